"""A synthetic bank of realistic size and shape, shared by the benchmarks.

Deterministic (fixed seed): the same bank every time, written once to
bench/.bank/ and reused while its marker file says it is complete.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

HERE = Path(__file__).parent
DEFAULT_DIR = HERE / ".bank" / "synthetic"
SECTIONS = [(f"{major}.{minor}", f"Topic {major}.{minor}") for major in range(1, 6) for minor in range(1, 5)]
WORDS = (
    "service value provider consumer outcome output cost risk utility warranty organization "
    "stakeholder product offering relationship management provision consumption resource "
    "activity customer user sponsor agreement performance capacity availability continuity "
    "security improvement practice governance delivery support demand opportunity"
).split()


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:]


def make_question(rng: random.Random, n: int, section: str) -> dict:
    qtype = rng.choices(["single", "multiple", "truefalse"], [85, 10, 5])[0]
    if qtype == "truefalse":
        key = rng.randrange(2)
        options = [{"text": t, "correct": i == key, "rationale": sentence(rng, 14) + "."}
                   for i, t in enumerate(("True", "False"))]
    else:
        keys = {rng.randrange(4)} if qtype == "single" else set(rng.sample(range(5), 2))
        count = 4 if qtype == "single" else 5
        options = [{"text": f"{sentence(rng, 7)} ({n}.{i})", "correct": i in keys,
                    "rationale": sentence(rng, 16) + "."} for i in range(count)]
    stem = f"{sentence(rng, 14)} (question {n})?"
    if n % 10 == 0:
        stem = f"Which **two** statements about {rng.choice(WORDS)} are CORRECT (item {n})?\n\n" + "\n".join(
            f"{i}. {sentence(rng, 8)}" for i in range(1, 5))
    return {
        "id": f"syn-{section.replace('.', '-')}-{n:05d}",
        "type": qtype,
        "stem": stem,
        "options": options,
        "shuffle": True,
        "explanation": sentence(rng, 25) + ".",
        "syllabus": [section],
        "tags": rng.sample(["definition", "scenario", "list-style", "recall"], 2),
        "difficulty": rng.choice(["easy", "medium", "hard"]),
        "bloom": rng.choice(["remember", "understand", "apply", "analyze"]),
        "points": 1,
        "status": rng.choices(["approved", "review", "draft"], [90, 5, 5])[0],
        "source": "Synthetic benchmark data",
        "authors": ["bench"],
        "created": "2026-01-01",
        "updated": "2026-01-01",
        "revision": 1,
    }


def make_bank(target: Path = DEFAULT_DIR, count: int = 10_000, seed: int = 1) -> Path:
    marker = target / f".complete-{count}-{seed}"
    if marker.exists():
        return target
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    syllabus = {
        "schema_version": 1, "id": "synthetic", "title": "Synthetic bench bank", "id_prefix": "syn",
        "sections": [{"id": str(major), "title": f"Part {major}",
                      "children": [{"id": sid, "title": title} for sid, title in SECTIONS if sid.startswith(f"{major}.")]}
                     for major in range(1, 6)],
    }
    (target / "syllabus.json").write_text(json.dumps(syllabus, indent=2))
    rng = random.Random(seed)
    for n in range(count):
        section = SECTIONS[n % len(SECTIONS)][0]
        folder = target / f"{section}-topic"
        folder.mkdir(exist_ok=True)
        question = make_question(rng, n, section)
        (folder / f"{question['id']}.json").write_text(json.dumps(question, indent=2, ensure_ascii=False) + "\n")
    marker.touch()
    return target


def bank_from_arguments(description: str):
    """The usual bench options (--count questions, --runs per timing) and the bank they ask for."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    return args, make_bank(count=args.count)
