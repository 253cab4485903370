"""Benchmark: `qbank export moodle` and `qbank export qti` on a 10,000-question
bank, as whole processes, beside merely json.load-ing the same files.

Targets (issue #5): Moodle XML under 2.5 s wall and at most 6x the bare
load; QTI 2.1 zip under 4 s and at most 10x; peak memory under 300 MB.

    python bench/bench_export.py [--count 10000] [--runs 3]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_validate import BARE_LOAD, best_of_each  # noqa: E402
from synthetic import bank_from_arguments  # noqa: E402


def main() -> None:
    args, bank = bank_from_arguments(__doc__)
    with tempfile.TemporaryDirectory() as out:
        qbank = [sys.executable, "-m", "qbank", "export"]
        best = best_of_each(args.runs, {
            "bare": [sys.executable, "-c", BARE_LOAD, str(bank)],
            "moodle": qbank + ["moodle", "--bank", str(bank), "-o", f"{out}/bank.xml"],
            "qti": qbank + ["qti", "--bank", str(bank), "-o", f"{out}/bank.zip"],
        })
        (bare, bare_mb), (moodle, moodle_mb), (qti, qti_mb) = best["bare"], best["moodle"], best["qti"]
        sizes = {name: Path(out, name).stat().st_size / 1e6 for name in ("bank.xml", "bank.zip")}
    print(f"questions            {args.count}")
    print(f"bare json.load       {bare:.3f} s              (python start-up included)")
    print(f"export moodle        {moodle:.3f} s  {moodle / bare:5.2f}x   (target < 2.5 s, <= 6x)   {sizes['bank.xml']:.1f} MB")
    print(f"export qti           {qti:.3f} s  {qti / bare:5.2f}x   (target < 4 s, <= 10x)    {sizes['bank.zip']:.1f} MB")
    print(f"peak memory          moodle {moodle_mb:.0f} MB, qti {qti_mb:.0f} MB   (target < 300 MB; "
          f"bare load {bare_mb:.0f} MB)")


if __name__ == "__main__":
    main()
