import os
import random
import re

import pytest

from qbank import lint
from qbank.errors import BankError
from qbank.lint import RULES, Item, lint_items, make_config, similar_pairs
from qbank.model import Option, Question
from qbank.parallel import in_forked_process

GOOD_OPTIONS = (
    Option("Nitrogen", True, "Nitrogen is about 78% of dry air, the largest share by far."),
    Option("Oxygen", False, "Oxygen is only about 21% of dry air, not the largest share."),
    Option("Argon", False, "Argon is under 1% of dry air: a trace gas, not the main one."),
    Option("Carbon dioxide", False, "Carbon dioxide is a trace gas, not a main component of air."),
)


def question(stem="Which gas makes up most of Earth's atmosphere?", options=GOOD_OPTIONS, qid="q-001", **fields):
    options = tuple(o if isinstance(o, Option) else Option(*o) for o in options)
    return Question(id=qid, type=fields.pop("type", "single"), stem=stem, options=options,
                    syllabus=("1",), status=fields.pop("status", "approved"), **fields)


def found(q, rule_id, **settings):
    config = make_config(only=[rule_id])
    config.settings.update(settings)
    return [p for p in lint_items([Item(q, "q.json")], config)]


def replace_option(n, text=None, rationale=None, correct=None):
    options = list(GOOD_OPTIONS)
    old = options[n]
    options[n] = Option(text if text is not None else old.text, old.correct if correct is None else correct,
                        rationale if rationale is not None else old.rationale)
    return tuple(options)


def test_a_good_question_passes_every_question_rule():
    config = make_config()
    assert lint_items([Item(question(), "q.json")], config) == []


def test_every_rule_documents_its_flaw_and_fix():
    for found_rule in RULES.values():
        assert "Flaw:" in found_rule.doc and "Fix:" in found_rule.doc, found_rule.id
        assert found_rule.severity in lint.SEVERITIES


@pytest.mark.parametrize("rule_id, text", [("all-of-the-above", "All of the above"),
                                           ("none-of-the-above", "None of the above.")])
def test_all_and_none_of_the_above(rule_id, text):
    problems = found(question(options=replace_option(3, text=text)), rule_id)
    assert [(p.rule, p.json_path, p.severity) for p in problems] == [(rule_id, "$.options[3].text", "error")]
    assert found(question(), rule_id) == []


def test_negative_stem_must_be_bold_capitals():
    assert [p.message for p in found(question("Which gas is not a main part of air?"), "negative-stem")] == [
        "negative word 'not' is easy to miss; write it in bold capitals (**NOT**) or ask positively"]
    assert found(question("Which gas is NOT a main part of air?"), "negative-stem")  # capitals alone are not enough
    assert found(question("Which is the **least** common gas?"), "negative-stem")  # bold alone neither
    assert found(question("All of these are gases **EXCEPT** which one?"), "negative-stem") == []
    # statements inside a numbered list are content, not the question
    listed = "Which statements are CORRECT?\n\n1. Argon is not reactive\n2. Air is mostly oxygen"
    assert found(question(listed), "negative-stem") == []


def test_longest_key_needs_a_clear_margin():
    long_key = replace_option(0, text="Nitrogen, a colourless and mostly unreactive diatomic gas")
    [problem] = found(question(options=long_key), "longest-key")
    assert problem.json_path == "$.options[0].text" and problem.severity == "warning"
    # longer, but not by a clear margin in characters
    assert found(question(options=replace_option(0, text="Nitrogen gas (N2)")), "longest-key") == []


def test_clang_association():
    stem = "Which gas do plants fix from the atmosphere with bacteria in their roots?"
    options = (("Nitrogen, fixed by root bacteria", True, "Root nodules host bacteria that fix nitrogen into ammonia."),
               ("Oxygen", False, "Plants release oxygen, they do not fix it."),
               ("Argon", False, "Argon is inert: no organism fixes it."))
    [problem] = found(question(stem, options), "clang-association")
    assert "'bacteria'" in problem.message and "'root'" in problem.message
    fair = options[:2] + (("Argon, which bacteria in the roots absorb", False, "Argon is inert: no organism fixes it."),)
    assert found(question(stem, fair), "clang-association") == []


def test_duplicate_and_overlapping_options():
    [dup] = found(question(options=replace_option(1, text="*nitrogen*.")), "duplicate-options")
    assert dup.json_path == "$.options[1].text" and "same as option A" in dup.message
    assert found(question(options=replace_option(1, text="Nitrogen and oxygen")), "overlapping-options")  # takes in A
    assert found(question(options=replace_option(1, text="Nitrogenous dust")), "overlapping-options") == []
    nearly = (("Value, cost and risk of a service", True, "x"),
              ("Value, cost and the risk of a service and its outputs", False, "x"),
              ("Warranty", False, "x"))
    assert [p.json_path for p in found(question(options=nearly), "overlapping-options")] == ["$.options[1].text"]
    swapped = (("A is utility and B is warranty", True, "x"), ("A is warranty and B is utility", False, "x"),
               ("Both are utility", False, "x"))
    assert found(question(options=swapped), "overlapping-options") == []
    permuted = (("Goods; access to resources; service action", True, "x"),
                ("Access to resources; goods; service action", False, "x"),
                ("Service action; access to resources; goods", False, "x"))
    assert found(question(options=permuted), "overlapping-options") == []


def test_absolute_words_only_in_distractors():
    flawed = replace_option(1, text="Always oxygen")
    flawed = flawed[:2] + (Option("Never argon", False, "Argon is under 1% of dry air."),) + flawed[3:]
    [problem] = found(question(options=flawed), "absolute-words")
    assert "(B, C)" in problem.message
    one = replace_option(1, text="Always oxygen")
    assert found(question(options=one), "absolute-words") == []  # one absolute is no pattern
    key_too = (Option("Always nitrogen", True, "It is the main gas."),) + flawed[1:]
    assert found(question(options=key_too), "absolute-words") == []


def test_rationale_rules():
    missing = replace_option(1)
    missing = missing[:1] + (Option("Oxygen", False, None),) + missing[2:]
    [problem] = found(question(options=missing, status="draft"), "rationale-missing")
    assert problem.json_path == "$.options[1].rationale"
    assert [p.json_path for p in found(question(options=replace_option(2, rationale="Wrong.")), "rationale-too-short")] == [
        "$.options[2].rationale"]
    same = replace_option(3, rationale=GOOD_OPTIONS[2].rationale.upper())
    [repeated] = found(question(options=same), "rationale-repeated")
    assert repeated.severity == "error" and "option C" in repeated.message


@pytest.mark.parametrize("rationale", [
    "Correct: oxygen is what we breathe.",  # reads as praise
    "The oxygen.",                          # restates the option
])
def test_distractor_rationale_must_say_why_it_is_wrong(rationale):
    [problem] = found(question(options=replace_option(1, rationale=rationale)), "distractor-rationale")
    assert problem.json_path == "$.options[1].rationale"


@pytest.mark.parametrize("rationale", [
    "Right gas for breathing, but only about 21% of dry air.",
    "Funding is different from defining requirements; that makes it a sponsor.",
])
def test_distractor_rationale_accepts_explanations(rationale):
    assert found(question(options=replace_option(1, rationale=rationale)), "distractor-rationale") == []


def test_stem_form():
    assert found(question("Gases in the air."), "stem-form")
    assert found(question("The gas that makes up most of the air is"), "stem-form") == []
    assert found(question("Choose the main gas of the air:"), "stem-form") == []
    assert found(question("Which **two** are noble gases? (Choose TWO.)"), "stem-form") == []
    tf = question("Air is mostly nitrogen.", type="truefalse",
                  options=(("True", True, "It is 78% nitrogen."), ("False", False, "It is 78% nitrogen, so not false.")))
    assert found(tf, "stem-form") == []


def test_parallel_options():
    mixed = replace_option(0, text="It is nitrogen, the main gas.")
    [problem] = found(question(options=mixed), "parallel-options")
    assert "options A are sentences" in problem.message
    assert found(question(), "parallel-options") == []


def test_retired_questions_are_not_linted():
    flawed = question(options=replace_option(3, text="All of the above"), status="retired")
    assert lint_items([Item(flawed, "q.json")], make_config()) == []


def test_key_position_balance_is_a_bank_rule():
    def with_key_at(position, n):
        options = tuple(Option(f"Gas number {i}", i == position, "Because it is not the main one.") for i in range(4))
        return Item(question(f"Question {n}?", options, qid=f"q-{n:03d}"), f"q-{n}.json")

    balanced = [with_key_at(n % 4, n) for n in range(40)]
    config = make_config(only=["key-position-balance"])
    assert lint_items(balanced, config, bank_file="syllabus.json") == []
    skewed = [with_key_at(1 if n % 5 < 2 else n % 4, n) for n in range(40)]
    problems = lint_items(skewed, config, bank_file="syllabus.json")
    assert [(p.file, p.rule) for p in problems] == [("syllabus.json", "key-position-balance")]
    assert "of the keys of 4-option questions are B" in problems[0].message
    # a report for a few files leaves the bank-wide figure out
    assert lint_items(skewed, config, bank_file="syllabus.json", only_files={"q-1.json"}) == []


def _random_texts(rng, count):
    words = [f"w{n}" for n in range(400)]
    return [" ".join(rng.choice(words) for _ in range(30)) for _ in range(count)]


def test_minhash_finds_what_brute_force_finds():
    rng = random.Random(7)
    texts = _random_texts(rng, 300)
    for n in range(0, 60, 3):  # plant near-copies: one word changed
        words = texts[n].split()
        words[rng.randrange(len(words))] = "changed"
        texts.append(" ".join(words))
    items = [Item(question(t + "?", qid=f"q-{n}"), f"{n}.json") for n, t in enumerate(texts)]
    sets = [lint.item_shingles(item, {}) for item in items]
    expected = {(n, m) for n in range(len(sets)) for m in range(n + 1, len(sets))
                if len(sets[n] & sets[m]) / len(sets[n] | sets[m]) >= 0.7}
    assert len(expected) >= 20
    assert {(n, m) for n, m, _ in similar_pairs(sets, 0.7)} == expected


def test_near_duplicate_reports_pairs_once_on_the_later_id():
    first = question("What does the service desk do in ITIL 4?", qid="q-001")
    second = question("What does the *service desk* do, in ITIL 4?", qid="q-002")
    other = question("Which colour do plants reflect most?", qid="q-003")
    items = [Item(q, f"{q.id}.json") for q in (second, other, first)]
    problems = lint_items(items, make_config(only=["near-duplicate"]))
    assert [(p.file, p.rule) for p in problems] == [("q-002.json", "near-duplicate")]
    assert problems[0].message.startswith("near-duplicate of q-001 (q-001.json):")


def test_config_changes_severity_thresholds_and_rules():
    config = make_config({"errors": ["longest-key"], "ignore": ["stem-form"], "near_duplicate_threshold": 0.9})
    assert config.severities["longest-key"] == "error"
    assert "stem-form" not in config.enabled
    assert config.settings["near_duplicate_threshold"] == 0.9
    assert make_config(only=["stem-form"]).enabled == {"stem-form"}
    with pytest.raises(BankError, match="unknown rule"):
        make_config({"ignore": ["no-such-rule"]})
    with pytest.raises(BankError, match="unknown setting 'treshold'"):
        make_config({"treshold": 1})


def test_config_is_found_in_pyproject_or_qbank_toml(tmp_path):
    bank = tmp_path / "questions" / "b"
    bank.mkdir(parents=True)
    assert lint.find_config_file(bank) is None
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.qbank.lint]\nignore = ["stem-form"]\n')
    path, table = lint.find_config_file(bank)
    assert path.name == "pyproject.toml" and table == {"ignore": ["stem-form"]}
    (tmp_path / "questions" / "qbank.toml").write_text('[lint]\nwarnings = ["negative-stem"]\n')
    path, table = lint.find_config_file(bank)
    assert path.name == "qbank.toml" and table == {"warnings": ["negative-stem"]}


def test_cheap_prechecks_never_skip_a_regex_match():
    # may_contain() guards the IGNORECASE searches: every character those
    # searches take for a letter of the words must casefold to that letter.
    every_character = "".join(map(chr, range(0x110000)))
    for word in ("above", "not", "except", "least"):
        for letter in set(word):
            for character in re.findall(f"(?i){letter}", every_character):
                assert letter in character.casefold(), (word, character)
    assert lint.may_contain("Which is the LEAſT useful?", "least")
    assert not lint.may_contain("Which is the most useful?", "not", "except", "least")


def test_collector_paused_restores_the_collector():
    import gc

    assert gc.isenabled()
    with lint.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), lint.collector_paused():
        raise ValueError
    assert gc.isenabled()


def test_bank_rules_report_the_same_from_a_forked_process(monkeypatch):
    if in_forked_process(os.getpid) is None:
        pytest.skip("this platform cannot fork")
    rng = random.Random(3)
    texts = _random_texts(rng, 40)
    texts += [t.replace(t.split()[0], "changed", 1) for t in texts[:5]]  # near-duplicates
    items = [Item(question(t + "?", qid=f"q-{n:03d}"), f"q-{n:03d}.json") for n, t in enumerate(texts)]
    items += [Item(question(options=replace_option(3, text="All of the above"), qid=f"q-{n}"), f"q-{n}.json")
              for n in range(100, 140)]  # question-rule findings on both sides of the split
    config = make_config()
    here = lint_items(items, config, bank_file="syllabus.json")
    assert {"near-duplicate", "key-position-balance", "all-of-the-above"} <= {p.rule for p in here}
    monkeypatch.setattr(lint, "PARALLEL_MIN_QUESTIONS", 1)
    assert lint_items(items, config, bank_file="syllabus.json") == here
    assert 0 < lint.child_share(len(items), len(items), [RULES["near-duplicate"]]) < len(items)
    only = {"q-001.json", "q-120.json"}
    assert lint_items(items, config, bank_file="syllabus.json", only_files=only) == [p for p in here if p.file in only]


@pytest.mark.parametrize("rationale", ["—", "Wrong - - - - - -", "... !!! ???"])
def test_punctuation_is_not_words_and_never_crashes_a_rule(rationale):
    q = question(options=replace_option(2, rationale=rationale))
    assert [p.json_path for p in found(q, "rationale-too-short")] == ["$.options[2].rationale"]
    assert lint_items([Item(q, "q.json")], make_config()) != []
