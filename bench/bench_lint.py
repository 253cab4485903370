"""Benchmark: `qbank lint` on a 10,000-question bank, as a whole process.

Target (issue #3): under 3 s, near-duplicate detection included. Prints the
time of `qbank validate` on the same bank too (lint reads and validates the
bank first), and the CPU time of python counting to 10 million, so figures
from a busy or slow machine can be put in proportion.

    python bench/bench_lint.py [--count 10000] [--runs 3]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_validate import best_of_each  # noqa: E402
from synthetic import bank_from_arguments  # noqa: E402


def calibration() -> float:
    start = time.process_time()
    total = 0
    for n in range(10_000_000):
        total += n
    return time.process_time() - start


def main() -> None:
    args, bank = bank_from_arguments(__doc__)
    # The synthetic bank has warnings but no lint errors, so lint exits 0.
    best = best_of_each(args.runs, {"validate": [sys.executable, "-m", "qbank", "validate", str(bank)],
                                    "lint": [sys.executable, "-m", "qbank", "lint", str(bank)]})
    validate, lint = best["validate"][0], best["lint"][0]
    print(f"questions           {args.count}")
    print(f"machine             python counts to 10M in {calibration():.2f} s CPU; load {os.getloadavg()[0]:.2f}")
    print(f"qbank validate      {validate:.3f} s")
    print(f"qbank lint          {lint:.3f} s  (target < 3 s; includes reading and validating the bank)")
    print(f"lint beyond read    {lint - validate:.3f} s")


if __name__ == "__main__":
    main()
