"""Benchmark: `qbank validate` on a 10,000-question bank, as a whole process.

Target (issue #2): under 1.5 s wall on 2 cores, and at most 3x the time of
merely json.load-ing the same files. Prints both and the ratio.

    python bench/bench_validate.py [--count 10000] [--runs 3]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
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


def best_of_each(runs: int, commands: dict[str, list[str]]) -> dict[str, tuple[float, float]]:
    """Best wall time and the peak memory (MB) of each command, run in turns
    (round after round, each command once a round), so a machine whose
    speed drifts (a shared virtual machine's does) treats them alike and
    their ratios hold."""
    best = {name: (float("inf"), 0.0) for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            elapsed, peak = timed_run(command)
            best[name] = (min(best[name][0], elapsed), max(best[name][1], peak))
    return best


def timed_run(command: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of one run of ``command``."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        # wait4 reports this run's own peak memory, its forked processes
        # included (getrusage's is the largest of all runs so far).
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            sys.exit(f"command failed ({process.returncode}): {' '.join(command)}\n"
                     f"{errors.read().decode(errors='replace')}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    args, bank = bank_from_arguments(__doc__)
    best = best_of_each(args.runs, {"bare": [sys.executable, "-c", BARE_LOAD, str(bank)],
                                    "validate": [sys.executable, "-m", "qbank", "validate", str(bank)]})
    bare, validate = best["bare"][0], best["validate"][0]
    print(f"questions           {args.count}")
    print(f"bare json.load      {bare:.3f} s  (python start-up included)")
    print(f"qbank validate      {validate:.3f} s  (target < 1.5 s)")
    print(f"ratio               {validate / bare:.2f}x  (target <= 3x)")


if __name__ == "__main__":
    main()
