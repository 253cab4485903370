"""Benchmark: `qbank import moodle` of a 10,000-question Moodle XML file, as a whole process.

Target (issue #6): under 5 s wall and under 400 MB peak memory. The file is
built from bench/synthetic.py's questions with ElementTree (texts as HTML,
categories per syllabus section, ids as idnumbers) and imported into an
empty copy of the synthetic bank (its syllabus only).

    python bench/bench_import.py [--count 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from synthetic import make_bank  # noqa: E402

from qbank.bank import load_bank  # noqa: E402
from qbank.markup import to_html  # noqa: E402
from qbank.moodle_grades import multiple_answer_fractions, percent  # noqa: E402


def text_element(parent, tag, text, **attrs):
    element = ET.SubElement(parent, tag, attrs)
    ET.SubElement(element, "text").text = text
    return element


def moodle_xml(bank) -> bytes:
    quiz = ET.Element("quiz")
    by_section: dict[str, list] = {}
    for question in bank.questions:
        by_section.setdefault(question.section, []).append(question)
    for section_id, questions in by_section.items():
        category = ET.SubElement(quiz, "question", type="category")
        trail = "/".join(f"{s.id} {s.title}" for s in bank.syllabus.trail(section_id))
        text_element(category, "category", f"$course$/top/{bank.syllabus.title}/{trail}")
        for q in questions:
            element = ET.SubElement(quiz, "question", type="truefalse" if q.type == "truefalse" else "multichoice")
            text_element(element, "name", q.id)
            text_element(element, "questiontext", to_html(q.stem), format="html")
            text_element(element, "generalfeedback", to_html(q.explanation or ""), format="html")
            ET.SubElement(element, "defaultgrade").text = str(q.points)
            ET.SubElement(element, "idnumber").text = q.id
            if q.type != "truefalse":
                ET.SubElement(element, "single").text = "true" if q.type == "single" else "false"
                ET.SubElement(element, "shuffleanswers").text = "true" if q.shuffle else "false"
            correct = len(q.correct_indexes)
            weights = multiple_answer_fractions(correct, len(q.options) - correct) if q.type == "multiple" else (1, 0)
            for option in q.options:
                fraction = percent(weights[0] if option.correct else weights[1])
                text = option.text.lower() if q.type == "truefalse" else to_html(option.text)
                answer = text_element(element, "answer", text, fraction=fraction, format="html")
                text_element(answer, "feedback", to_html(option.rationale or ""), format="html")
            tags = ET.SubElement(element, "tags")
            for tag in q.tags:
                text_element(tags, "tag", tag)
    return ET.tostring(quiz, encoding="utf-8", xml_declaration=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    source = load_bank(make_bank(count=args.count))
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "quiz.xml"
        file.write_bytes(moodle_xml(source))
        times = []
        for run in range(args.runs):
            target = Path(tmp) / f"bank{run}"
            target.mkdir()
            shutil.copy(source.root / "syllabus.json", target / "syllabus.json")
            start = time.perf_counter()
            result = subprocess.run([sys.executable, "-m", "qbank", "import", "moodle", str(file), "--into", str(target)],
                                    capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            if result.returncode != 0:
                sys.exit(f"import failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        imported = load_bank(target)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"questions           {len(imported.questions)} imported of {args.count}")
        print(f"file                {file.stat().st_size / 1e6:.1f} MB Moodle XML")
        print(f"qbank import        {min(times):.3f} s best of {args.runs}  (target < 5 s)")
        print(f"peak memory         {peak_mb:.0f} MB  (target < 400 MB)")
        print(json.dumps({"count": len(imported.questions), "seconds": round(min(times), 3), "peak_mb": round(peak_mb)}))


if __name__ == "__main__":
    main()
