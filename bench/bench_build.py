"""Benchmark: `qbank build` of a 40-question mock, as whole processes.

Targets (issue #4), 100 variants of the 40-question mock from the
10,000-question bank, PDF + DOCX, papers and keys:
  - under 40 s wall on 2 cores (variants render in parallel);
  - at most 25x the time of building one variant;
  - a single paper + key under 1 s including start-up.
Prints each figure and the per-variant cost.

    python bench/bench_build.py [--variants 100] [--runs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from synthetic import make_bank  # noqa: E402

REPO = HERE.parent
BLUEPRINT = {
    "schema_version": 1,
    "name": "bench-mock",
    "bank": "synthetic",
    "title": "Synthetic mock examination",
    "instructions": "Answer **all 40** questions.\n\n1. Use a pencil\n2. One answer per question unless asked for more",
    "duration_minutes": 60,
    "pass_mark": 26,
    "sections": [{"title": f"Part {part}", "count": 8, "syllabus": [str(part)]} for part in range(1, 6)],
}


def timed(command: list[str], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        best = min(best, time.perf_counter() - start)
        if result.returncode != 0:
            sys.exit(f"command failed: {' '.join(command)}\n{result.stdout}{result.stderr}")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", type=int, default=100)
    parser.add_argument("--runs", type=int, default=1, help="best of this many runs for each figure")
    args = parser.parse_args()
    bank = make_bank()
    qbank = [sys.executable, "-m", "qbank", "build"]
    with tempfile.TemporaryDirectory() as scratch:
        blueprint = Path(scratch) / "bench-mock.json"
        blueprint.write_text(json.dumps(BLUEPRINT))
        out = Path(scratch) / "out"
        common = [str(blueprint), "--bank", str(bank), "--seed", "1", "--out", str(out)]
        one = timed(qbank + common + ["--variants", "1"], args.runs)
        many = timed(qbank + common + ["--variants", str(args.variants)], args.runs)
        files = len(list(out.glob("bench-mock-*")))
        itil = timed(qbank + [str(REPO / "templates" / "itil4-foundation-mock.json"), "--bank",
                              str(REPO / "questions" / "itil4-foundation"), "--out", str(Path(scratch) / "itil")], args.runs)
    per_variant = (many - one) / (args.variants - 1)
    print(f"cores                         {os.cpu_count()}")
    print(f"bank                          10,000 questions ({bank})")
    print(f"1 variant  (paper+key, PDF+DOCX, whole process)  {one:6.2f} s")
    print(f"{args.variants} variants ({files} files)                  {many:6.2f} s   target < 40 s")
    print(f"per extra variant             {per_variant * 1000:6.0f} ms (wall, all cores)")
    print(f"ratio {args.variants} / 1                   {many / one:6.1f} x   target <= 25 x")
    print(f"ITIL mock, 1 variant, 64-question bank (start-up included)  {itil:6.2f} s   target < 1 s")


if __name__ == "__main__":
    main()
