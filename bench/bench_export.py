"""Benchmark: `qbank export moodle` and `qbank export qti` on a 10,000-question
bank, as whole processes, beside merely json.load-ing the same files.

Targets (issue #5): Moodle XML under 2.5 s wall and at most 6x the bare
load; QTI 2.1 zip under 4 s and at most 10x; peak memory under 300 MB.

    python bench/bench_export.py [--count 10000] [--runs 3]
"""

from __future__ import annotations

import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_validate import BARE_LOAD, best_of  # noqa: E402
from synthetic import bank_from_arguments  # noqa: E402


def measure(runs: int, command: list[str]) -> tuple[float, float]:
    """Best wall time in seconds and peak resident memory in MB of ``command``."""
    best = best_of(runs, command)
    # ru_maxrss of children is the largest any child reached so far (KiB on Linux).
    return best, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    args, bank = bank_from_arguments(__doc__)
    with tempfile.TemporaryDirectory() as out:
        qbank = [sys.executable, "-m", "qbank", "export"]
        bare, bare_mb = measure(args.runs, [sys.executable, "-c", BARE_LOAD, str(bank)])
        moodle, moodle_mb = measure(args.runs, qbank + ["moodle", "--bank", str(bank), "-o", f"{out}/bank.xml"])
        qti, qti_mb = measure(args.runs, qbank + ["qti", "--bank", str(bank), "-o", f"{out}/bank.zip"])
        sizes = {name: Path(out, name).stat().st_size / 1e6 for name in ("bank.xml", "bank.zip")}
    print(f"questions            {args.count}")
    print(f"bare json.load       {bare:.3f} s              (python start-up included)")
    print(f"export moodle        {moodle:.3f} s  {moodle / bare:5.2f}x   (target < 2.5 s, <= 6x)   {sizes['bank.xml']:.1f} MB")
    print(f"export qti           {qti:.3f} s  {qti / bare:5.2f}x   (target < 4 s, <= 10x)    {sizes['bank.zip']:.1f} MB")
    print(f"peak memory          {max(moodle_mb, qti_mb):.0f} MB            (target < 300 MB; "
          f"bare load {bare_mb:.0f} MB, a maximum over all runs so far)")


if __name__ == "__main__":
    main()
