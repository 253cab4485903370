"""Benchmark: `qbank import moodle` of a 10,000-question Moodle XML file, as a whole process.

Target (issue #6): under 5 s wall and under 400 MB peak memory. The file is
bench/synthetic.py's bank written by qbank's own Moodle XML exporter, and is
imported into an empty copy of the synthetic bank (its syllabus only).

    python bench/bench_import.py [--count 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import make_bank  # noqa: E402

from qbank.bank import load_bank  # noqa: E402
from qbank.formats import ExportOptions, moodle  # noqa: E402


# Runs `qbank import` and reports its own peak memory. RUSAGE_CHILDREN would
# count this benchmark's memory too: Linux folds the forking parent's pages
# into the child's maximum when the child execs. VmHWM is the new process's own.
RUN_AND_REPORT = """
import atexit, resource, sys
from qbank.cli import main

def report():
    try:
        with open("/proc/self/status") as status:
            kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak_kb={kb}", file=sys.stderr)

atexit.register(report)
sys.argv[0] = "qbank"
main()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    source = load_bank(make_bank(count=args.count))
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "quiz.xml"
        file.write_bytes(moodle.write_questions(source.questions, source.syllabus, ExportOptions()))
        times, cpu, peaks = [], [], []
        for run in range(args.runs):
            target = Path(tmp) / f"bank{run}"
            target.mkdir()
            shutil.copy(source.root / "syllabus.json", target / "syllabus.json")
            if run:
                shutil.rmtree(Path(tmp) / f"bank{run - 1}")
            # Flush earlier writes (the XML file, the last run's files) first: the import
            # syncs its own files once, and should not pay for anyone else's.
            os.sync()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            result = subprocess.run([sys.executable, "-c", RUN_AND_REPORT, "import", "moodle", str(file),
                                     "--into", str(target)], capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            peaks.append(int(result.stderr.rsplit("peak_kb=", 1)[1]) / 1024)
            if result.returncode != 0:
                sys.exit(f"import failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        imported = load_bank(target)
        peak_mb = max(peaks)
        print(f"questions           {len(imported.questions)} imported of {args.count}")
        print(f"file                {file.stat().st_size / 1e6:.1f} MB Moodle XML")
        print(f"qbank import        {min(times):.3f} s best of {args.runs}  (target < 5 s)")
        print(f"cpu time            {min(cpu):.3f} s  (user + system; wall minus this is waiting for a busy machine)")
        print(f"peak memory         {peak_mb:.0f} MB  (target < 400 MB)")
        print(json.dumps({"count": len(imported.questions), "seconds": round(min(times), 3), "cpu_seconds": round(min(cpu), 3), "peak_mb": round(peak_mb)}))


if __name__ == "__main__":
    main()
