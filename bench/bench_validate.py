"""Benchmark: `qbank validate` on a 10,000-question bank, as a whole process.

Target (issue #2): under 1.5 s wall on 2 cores, and at most 3x the time of
merely json.load-ing the same files. Prints both and the ratio.

    python bench/bench_validate.py [--count 10000] [--runs 3]
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import bank_from_arguments  # noqa: E402

BARE_LOAD = """
import json, os, sys
for directory, _, names in os.walk(sys.argv[1]):
    for name in names:
        if name.endswith('.json'):
            with open(os.path.join(directory, name), 'rb') as handle:
                json.load(handle)
"""


def best_of(runs: int, command: list[str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            sys.exit(f"command failed: {' '.join(command)}\n{result.stdout}{result.stderr}")
    return min(times)


def main() -> None:
    args, bank = bank_from_arguments(__doc__)
    bare = best_of(args.runs, [sys.executable, "-c", BARE_LOAD, str(bank)])
    validate = best_of(args.runs, [sys.executable, "-m", "qbank", "validate", str(bank)])
    print(f"questions           {args.count}")
    print(f"bare json.load      {bare:.3f} s  (python start-up included)")
    print(f"qbank validate      {validate:.3f} s  (target < 1.5 s)")
    print(f"ratio               {validate / bare:.2f}x  (target <= 3x)")


if __name__ == "__main__":
    main()
