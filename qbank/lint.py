"""Item-writing rules: the classic flaws a reviewer would otherwise catch.

Each rule has a stable id, a default severity, and a docstring that shows
the flaw and its fix (``qbank lint --list-rules`` prints them). Question
rules look at one question; bank rules look across the bank. Retired
questions are never linted: they are kept for history only.

Configuration comes from ``[tool.qbank.lint]`` in ``pyproject.toml`` or
``[lint]`` in ``qbank.toml`` (the nearest one above the bank)::

    [tool.qbank.lint]
    ignore = ["absolute-words"]          # rules not to run
    errors = ["longest-key"]             # make these errors
    warnings = ["negative-stem"]         # make these warnings
    near_duplicate_threshold = 0.7       # and the thresholds in DEFAULTS
"""

from __future__ import annotations

import gc
import hashlib
import random
import re
import sys
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice, repeat
from operator import and_, mul, rshift, xor
from pathlib import Path
from string import ascii_uppercase
from typing import Callable

from qbank.errors import BankError, Problem
from qbank.markup import Paragraph, Strong, Text, has_markup, inline_plain, parse, to_plain
from qbank.model import Question
from qbank.parallel import in_forked_process

LETTERS = ascii_uppercase
SEVERITIES = ("error", "warning")

DEFAULTS = {
    # longest-key: the key is at least this much longer than the longest
    # distractor, both as a ratio and in characters.
    "longest_key_ratio": 1.3,
    "longest_key_min_chars": 15,
    # key-position-balance: a position holding this multiple of its fair
    # share of keys (1/options), once the bank has enough questions.
    "key_balance_ratio": 1.5,
    "key_balance_min_questions": 20,
    # rationale-too-short
    "rationale_min_words": 4,
    # absolute-words: this many distractors with absolute words, none in a key.
    "absolute_min_distractors": 2,
    # near-duplicate: Jaccard similarity of word-pair shingles.
    "near_duplicate_threshold": 0.7,
    # overlapping-options: Jaccard similarity of option words.
    "overlap_threshold": 0.8,
}

# Function words left out when looking for stem words echoed in options.
STOPWORDS = frozenset(
    "a an and are as at be been being by can could did do does for from has have how in into is it its "
    "itil of on or should that the their them these this those to was were what when where which who "
    "whom whose why will with would about following statement statements best describes describe correct "
    "true false most least not except".split()
)
NEGATIVE_WORDS = re.compile(r"\b(not|except|least)\b", re.IGNORECASE)
ABSOLUTE_WORDS = frozenset("always never only completely entirely totally every impossible guarantee guarantees guaranteed".split())
ALL_OF_THE_ABOVE = re.compile(r"\ball (of )?the above\b", re.IGNORECASE)
NONE_OF_THE_ABOVE = re.compile(r"\bnone of the above\b", re.IGNORECASE)
NEGATIONS = frozenset({"not", "no", "never", "isn", "t", "but", "except"})  # "Right idea, but …"
AFFIRMATIVE_WORDS = frozenset({"correct", "right", "yes", "true"})
TRAILING_REMARK = re.compile(r"\s*\([^()]*\)\s*$")  # "… (choose two)" ends a stem
_WORD = re.compile(r"\w+")
# Splitting on a translated copy is several times faster than _WORD.findall
# on a large bank; the separators are ASCII punctuation and the common
# typographic marks, which is what \w+ splits on in practice.
_SEPARATORS = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00b7\u2022\u00ab\u00bb"})


def words_of(text: str) -> list[str]:
    """Lowercase words of plain text."""
    return text.lower().translate(_SEPARATORS).split()


def words_of_each(texts: list[str]) -> list[list[str]]:
    """words_of for each text, from one lower() and one translate() over
    them all: on short texts those calls cost more per call than per
    character. "\\x00" is neither whitespace nor a separator nor changed by
    lower(), so it parts the texts again exactly."""
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:  # a text holds the marker itself
        return [words_of(text) for text in texts]
    return [part.split() for part in joined.lower().translate(_SEPARATORS).split("\x00")]


def may_contain(text: str, *words: str) -> bool:
    """False when no case-insensitive regex for one of ``words`` can match
    ``text``: a cheap test before the search. casefold() maps every
    character that IGNORECASE matches to an ASCII letter onto that letter
    (even the long s, 'ſ')."""
    folded = text.casefold()
    for word in words:
        if word in folded:
            return True
    return False


# -- the registry ----------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    scope: str  # "question" or "bank"
    check: Callable

    @property
    def doc(self) -> str:
        import inspect

        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else ""


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: str = "warning", scope: str = "question"):
    def register(check):
        RULES[rule_id] = Rule(rule_id, severity, scope, check)
        return check

    return register


# -- what rules look at -------------------------------------------------------------


_DERIVED = (
    "keys", "distractors", "is_choice_with_distractors", "stem_plain", "option_plain", "stem_tokens",
    "option_tokens", "rationale_tokens", "option_normalized", "option_stems", "lead_in", "stem_content_words",
)


class Item:
    """A question with the derived texts and words the rules share.

    They are all computed at once, into plain attributes, the first time a
    rule reads one: nearly every rule reads them for every question, and on
    a 10,000-question bank cached properties cost more to look up than the
    work they save. Near-duplicate detection reads only the question, so a
    process that runs nothing else does not derive them."""

    __slots__ = ("question", "file", *_DERIVED)

    def __init__(self, question: Question, file: str):
        self.question = question
        self.file = file

    def __getattr__(self, name: str):
        # Python calls this only for an attribute that is not set yet.
        if name not in _DERIVED:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        self._derive()
        return object.__getattribute__(self, name)

    def _derive(self) -> None:
        question = self.question
        options = question.options
        self.keys = [n for n, o in enumerate(options) if o.correct]
        self.distractors = [n for n, o in enumerate(options) if not o.correct]
        self.is_choice_with_distractors = question.type in ("single", "multiple") and bool(self.keys) and bool(self.distractors)
        self.stem_plain = to_plain(question.stem)
        self.option_plain = [to_plain(o.text) for o in options]
        # None where an option has no rationale; "" is tokenized only to keep the lists aligned.
        rationales = [o.rationale if o.rationale and o.rationale.strip() else None for o in options]
        # Markup characters are separators too: the raw texts give the same
        # words as their plain forms (what markup.normalize compares).
        stem_tokens, *tokens = words_of_each([question.stem, *(o.text for o in options), *(r or "" for r in rationales)])
        self.stem_tokens = stem_tokens
        self.option_tokens = tokens[: len(options)]
        self.rationale_tokens = [None if r is None else t for r, t in zip(rationales, tokens[len(options) :])]
        self.option_normalized = [" ".join(t) for t in self.option_tokens]  # what duplicates are compared by
        self.option_stems = [set(map(_STEMS.__getitem__, t)) for t in self.option_tokens]
        if has_markup(question.stem):
            # The stem's paragraphs without its numbered or bulleted statements.
            self.lead_in = "\n".join(inline_plain(b.children) for b in parse(question.stem) if isinstance(b, Paragraph))
            lead_in_words = words_of(self.lead_in)
        else:
            self.lead_in = self.stem_plain
            lead_in_words = stem_tokens  # the same words: stem_plain is only the stem stripped
        self.stem_content_words = {_STEMS[w] for w in lead_in_words if len(w) > 3 and w not in STOPWORDS}


def stem_word(word: str) -> str:
    """A crude stem so 'services' meets 'service' (good enough for cue detection)."""
    for suffix in ("ing", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


class _StemCache(dict):
    """stem_word, memoized: a bank has a few thousand distinct words and
    looks each up hundreds of times; a dict hit is cheaper than lru_cache's."""

    def __missing__(self, word: str) -> str:
        self[word] = stemmed = stem_word(word)
        return stemmed


_STEMS = _StemCache()


def opt(n: int) -> str:
    return f"$.options[{n}]"


# -- question rules --------------------------------------------------------------------


@rule("all-of-the-above", "error")
def all_of_the_above(item: Item, config: dict):
    """An option says "all of the above".

    A candidate who spots two true options knows the answer without knowing
    the third, and the option breaks when options are shuffled.

    Flaw:  Which are ITIL guiding principles?  D. All of the above
    Fix:   make it a `multiple` question ("Which **two** are guiding
           principles?") or ask for the one principle that fits a scenario.
    """
    for n in options_matching_above(item, ALL_OF_THE_ABOVE):
        yield f"{opt(n)}.text", "\"all of the above\" rewards partial knowledge and breaks under shuffling; use a multiple question or a single best answer"


def options_matching_above(item: Item, pattern) -> list[int]:
    """Indexes of the options that match an "… of the above" pattern."""
    if not may_contain("\n".join(item.option_plain), "above"):  # one cheap test for all the options
        return []
    return [n for n, text in enumerate(item.option_plain) if pattern.search(text)]


@rule("none-of-the-above", "error")
def none_of_the_above(item: Item, config: dict):
    """An option says "none of the above".

    It tests that a candidate can spot wrong answers, not that they know the
    right one, and it breaks when options are shuffled.

    Flaw:  D. None of the above
    Fix:   replace it with a plausible distractor that reflects a real
           misconception.
    """
    for n in options_matching_above(item, NONE_OF_THE_ABOVE):
        yield f"{opt(n)}.text", "\"none of the above\" shows only that the candidate can reject options, and breaks under shuffling; write a plausible distractor instead"


@rule("negative-stem", "error")
def negative_stem(item: Item, config: dict):
    """A negative stem (NOT, EXCEPT, LEAST) whose negative word is not in bold capitals.

    Candidates read past a plain "not" and answer the opposite question.
    Statements in a numbered list inside the stem are content and are not
    checked.

    Flaw:  Which is not a guiding principle?
    Fix:   Which is **NOT** a guiding principle?  (better still: ask positively)
    """
    if not may_contain(item.stem_plain, "not", "except", "least") or not NEGATIVE_WORDS.search(item.stem_plain):
        return
    for block in parse(item.question.stem):
        if isinstance(block, Paragraph):
            for word in _unemphasized_negatives(block.children):
                yield "$.stem", f"negative word {word!r} is easy to miss; write it in bold capitals (**{word.upper()}**) or ask positively"


def _unemphasized_negatives(inlines, emphasized=False):
    for node in inlines:
        if isinstance(node, Strong):
            yield from _unemphasized_negatives(node.children, True)
        elif isinstance(node, Text):
            for match in NEGATIVE_WORDS.finditer(node.text):
                if not (emphasized and match.group(0).isupper()):
                    yield match.group(0)
        elif hasattr(node, "children"):
            yield from _unemphasized_negatives(node.children, emphasized)


@rule("longest-key", "warning")
def longest_key(item: Item, config: dict):
    """The key is the longest option by a clear margin: a test-wise cue.

    Authors qualify the right answer carefully and leave distractors short,
    so "pick the longest" scores above chance.

    Flaw:  A. Cost  B. Risk  C. A cooperation between a provider and a consumer that co-creates value  D. Output
    Fix:   give the distractors the same care and length, or trim the key.
    """
    question = item.question
    if question.type != "single" or len(item.keys) != 1 or len(item.distractors) < 2:
        return
    key = item.keys[0]
    key_length = len(item.option_plain[key])
    longest_other = max(len(item.option_plain[n]) for n in item.distractors)
    if key_length >= longest_other * config["longest_key_ratio"] and key_length - longest_other >= config["longest_key_min_chars"]:
        yield f"{opt(key)}.text", (
            f"the key is the longest option ({key_length} characters, the next is {longest_other}); "
            "test-wise candidates pick it; make the options similar in length"
        )


@rule("clang-association", "warning")
def clang_association(item: Item, config: dict):
    """Two or more words of the stem come back in the key and in no distractor (clang association).

    Candidates match the echoed word instead of knowing the answer.

    Flaw:  What is the purpose of the *service desk* practice?
           A. To be the entry point for the *service desk* ...  (no other option says it)
    Fix:   reword the key, or let distractors use the stem's words too.
    """
    if not item.is_choice_with_distractors or len(item.distractors) < 2:
        return
    if len(item.stem_content_words) < 2:
        return
    in_keys = set().union(*(item.option_stems[n] for n in item.keys)) & item.stem_content_words
    if len(in_keys) < 2:
        return
    in_distractors = set().union(*(item.option_stems[n] for n in item.distractors))
    echoed = sorted(in_keys - in_distractors)
    # One shared word is often the subject's own vocabulary ("service" in
    # an ITIL bank); two or more is the cue.
    if len(echoed) >= 2:
        path = opt(item.keys[0]) + ".text" if len(item.keys) == 1 else "$.options"
        yield path, f"the key repeats the stem's {', '.join(repr(w) for w in echoed)} and no distractor does; reword the key or the distractors"


@rule("duplicate-options", "error")
def duplicate_options(item: Item, config: dict):
    """Two options say the same thing (after case, punctuation and markup are ignored).

    Flaw:  A. Value co-creation  C. value co-creation.
    Fix:   replace one with a different plausible distractor.
    """
    for n, first in repeats(item.option_normalized):
        yield f"{opt(n)}.text", f"same as option {LETTERS[first]}; every option must be different"


def repeats(texts):
    """(index, index of the first equal one) for each text seen before; None entries are skipped."""
    present = [text for text in texts if text is not None]
    if len(set(present)) == len(present):
        return  # the usual case, settled in C
    seen: dict[str, int] = {}
    for n, key in enumerate(texts):
        if key is None:
            continue
        if key in seen:
            yield n, seen[key]
        else:
            seen[key] = n


@rule("overlapping-options", "warning")
def overlapping_options(item: Item, config: dict):
    """Two options overlap: one contains the other, or nearly all of it.

    If one option includes another, both can be right, or the odd one out
    gives the answer away.

    Flaw:  A. Outcomes  B. Outcomes and outputs
    Fix:   make the options mutually exclusive.
    """
    if item.question.type == "truefalse":
        return
    tokens = item.option_tokens
    texts = [f" {normalized} " for normalized in item.option_normalized]
    # Ordered word pairs: options that list the same terms in another order,
    # or swap two terms ("A is utility and B warranty" / the reverse), are
    # alternatives, not overlaps; so only a longer option that takes in
    # (nearly) all of a shorter one counts.
    pairs = [set(zip(words, words[1:])) for words in tokens]
    threshold = config["overlap_threshold"]
    for n in range(len(texts)):
        if not tokens[n]:
            continue
        for m in range(n):
            if texts[n] == texts[m] or not tokens[m]:
                continue  # equal ones are duplicate-options
            # the shorter first; n when the two are as long
            short, long_ = (m, n) if len(texts[m]) < len(texts[n]) else (n, m)
            short_pairs, long_pairs = pairs[short], pairs[long_]
            # contained, or else absorbed: the pair test only when needed
            if texts[short] in texts[long_] or (
                short_pairs and len(long_pairs) > len(short_pairs)
                and len(short_pairs & long_pairs) / len(short_pairs) >= threshold
            ):
                yield f"{opt(n)}.text", f"overlaps option {LETTERS[m]}: one takes in the other; make the options mutually exclusive"


@rule("absolute-words", "warning")
def absolute_words(item: Item, config: dict):
    """Absolute words (always, never, only …) appear in distractors but never in a key.

    Test-wise candidates learn that absolutes mark wrong answers.

    Flaw:  A. Value is always co-created  B. Outputs never matter  C. <key without absolutes>
    Fix:   drop the absolutes, or use them in keys too where they are true.
    """
    if not item.is_choice_with_distractors or ABSOLUTE_WORDS.isdisjoint(chain.from_iterable(item.option_tokens)):
        return
    if not all(ABSOLUTE_WORDS.isdisjoint(item.option_tokens[n]) for n in item.keys):
        return
    flagged = [n for n in item.distractors if not ABSOLUTE_WORDS.isdisjoint(item.option_tokens[n])]
    if len(flagged) >= config["absolute_min_distractors"]:
        letters = ", ".join(LETTERS[n] for n in flagged)
        yield "$.options", f"absolute words only in distractors ({letters}) give the answer away; reword them"


@rule("rationale-missing", "warning")
def rationale_missing(item: Item, config: dict):
    """An option has no rationale (allowed only while the question is a draft).

    Flaw:  {"text": "Cost", "correct": false}
    Fix:   {"text": "Cost", "correct": false, "rationale": "Cost is what the consumer gives up, not what they gain."}
    """
    if None not in item.rationale_tokens:
        return
    for n, tokens in enumerate(item.rationale_tokens):
        if tokens is None:
            yield f"{opt(n)}.rationale", "no rationale yet; say why this option is right or wrong before review"


@rule("rationale-too-short", "warning")
def rationale_too_short(item: Item, config: dict):
    """A rationale too short to explain anything.

    Flaw:  "rationale": "Wrong."
    Fix:   "rationale": "Wrong: that is an output, which a service provides; the outcome is what the consumer achieves."
    """
    minimum = config["rationale_min_words"]
    for n, tokens in enumerate(item.rationale_tokens):
        # Words, not whitespace-separated chunks: "Wrong - - - -" is one word.
        if tokens is not None and len(tokens) < minimum:
            yield f"{opt(n)}.rationale", f"rationale has fewer than {minimum} words; explain why the option is right or wrong"


@rule("rationale-repeated", "error")
def rationale_repeated(item: Item, config: dict):
    """Several options share the same rationale, so it explains none of them.

    Flaw:  every distractor: "This is not the definition used by ITIL 4."
    Fix:   say for each option what it is and why it is wrong.
    """
    for n, first in repeats([None if tokens is None else " ".join(tokens) for tokens in item.rationale_tokens]):
        yield f"{opt(n)}.rationale", f"same rationale as option {LETTERS[first]}; write one for this option"


@rule("distractor-rationale", "warning")
def distractor_rationale(item: Item, config: dict):
    """A distractor's rationale does not say why the option is wrong.

    It reads as praise ("Correct: …") or merely repeats the option. (Whether
    a rationale explains the mistake well is left to the reviewer: word
    lists cannot tell, and guessing would flag good rationales.)

    Flaw:  "text": "Output", "rationale": "Correct: outputs are what a service delivers."
           "text": "Output", "rationale": "The output."
    Fix:   "rationale": "An output is a deliverable of an activity, not the result the consumer wants."
    """
    if item.question.type == "truefalse":
        return
    for n in item.distractors:
        tokens = item.rationale_tokens[n]
        if not tokens:  # missing, or punctuation only: rationale-too-short says so
            continue
        affirms = tokens[0] in AFFIRMATIVE_WORDS or tokens[:2] == ["this", "is"] and tokens[2:3] in (["correct"], ["right"])
        if affirms and NEGATIONS.isdisjoint(tokens[:6]):
            yield f"{opt(n)}.rationale", "this rationale reads as if the option were right; say why it is wrong"
        elif len(tokens) <= 2 * len(item.option_tokens[n]) + 3 and only_echoes(tokens, item.option_stems[n]):
            yield f"{opt(n)}.rationale", "this rationale does not say why the option is wrong; name the mistake it reflects"


def only_echoes(words: list[str], option_stems: set[str]) -> bool:
    """Whether every word but the stopwords comes from the option (stemmed).
    A loop that stops at the first new word: usually the first one."""
    for word in words:
        stemmed = _STEMS[word]
        if stemmed not in option_stems and stemmed not in STOPWORDS:
            return False
    return True


@rule("stem-form", "warning")
def stem_form(item: Item, config: dict):
    """The stem is neither a question nor an incomplete statement.

    A stem that states a fact, or only says "Choose one.", makes the
    candidate guess what is asked. True/false stems are statements by design
    and are not checked.

    Flaw:  Service relationships.
    Fix:   What is a service relationship?   or   A service relationship is …
    """
    if item.question.type == "truefalse":
        return
    lead_in = item.lead_in.strip()
    if not lead_in:
        return
    if "?" in lead_in:
        return
    last = TRAILING_REMARK.sub("", lead_in).rstrip()
    if last.endswith((":", "…", "...", "_")) or (last and last[-1].isalnum()):
        return
    yield "$.stem", "the stem is not a question or an incomplete statement; ask a question (…?) or end with the part the options complete"


@rule("parallel-options", "warning")
def parallel_options(item: Item, config: dict):
    """Options are not parallel in form: some are sentences, some fragments.

    The odd one out draws attention (often it is the key).

    Flaw:  A. Cost.  B. Risk  C. It co-creates value with the consumer.  D. Output
    Fix:   make every option a fragment, or every option a full sentence.
    """
    if item.question.type == "truefalse" or len(item.question.options) < 3:
        return
    sentences = [n for n, text in enumerate(item.option_plain) if text.rstrip().endswith((".", "!"))]
    if 0 < len(sentences) < len(item.question.options):
        fragments = [n for n in range(len(item.question.options)) if n not in sentences]
        odd = sentences if len(sentences) <= len(fragments) else fragments
        kind = "sentences" if odd is sentences else "fragments"
        letters = ", ".join(LETTERS[n] for n in odd)
        yield "$.options", f"options {letters} are {kind} and the rest are not; write all options in the same form"


# -- bank rules ------------------------------------------------------------------------


@rule("key-position-balance", "warning", scope="bank")
def key_position_balance(items: list[Item], config: dict):
    """Across the bank, one answer position holds far more keys than its share.

    Authors favour B and C; when options are not shuffled (or in an
    export that keeps order) candidates exploit it. Single-answer questions
    are counted by number of options.

    Flaw:  40 % of 4-option keys are B (a fair share is 25 %).
    Fix:   move keys in some questions (`qbank stats` shows the balance).
    """
    by_width: dict[int, Counter] = defaultdict(Counter)
    for item in items:
        question = item.question  # not the derived item.keys: this may run in its own process
        if question.type == "single":
            keys = question.correct_indexes
            if len(keys) == 1:
                by_width[len(question.options)][keys[0]] += 1
    for width, counts in sorted(by_width.items()):
        total = sum(counts.values())
        if total < config["key_balance_min_questions"] or width < 2:
            continue
        fair = 1 / width
        for position, count in sorted(counts.items()):
            share = count / total
            if share >= fair * config["key_balance_ratio"]:
                yield None, None, (
                    f"{share:.0%} of the keys of {width}-option questions are {LETTERS[position]} "
                    f"({count} of {total}; a fair share is {fair:.0%}); move the key in some of them"
                )


@rule("near-duplicate", "warning", scope="bank")
def near_duplicate(items: list[Item], config: dict):
    """Two questions are nearly the same (stem and options), listed as pairs.

    Similarity is the Jaccard index of word-pair shingles of the normalized
    stem and options; pairs are found with MinHash and LSH, then confirmed
    exactly, so a large bank is not compared pair by pair.

    Flaw:  "What is a service relationship?" and "What is a *service relationship*, in ITIL 4?"
           with the same options.
    Fix:   retire one (`qbank retire ID`) or make them test different things.
    """
    shingle_sets = bank_shingles([item.question for item in items])
    threshold = config["near_duplicate_threshold"]
    for n, m, similarity in similar_pairs(shingle_sets, threshold):
        first, second = sorted((items[n], items[m]), key=lambda i: i.question.id)
        yield second, "$", f"near-duplicate of {first.question.id} ({first.file}): {similarity:.0%} similar; retire one or make them test different things"


# -- near-duplicates: one-permutation MinHash, LSH bands ------------------------------------
#
# Each question's shingle set is hashed once per shingle (blake2b: stable
# across runs, unlike hash()); the hash's top bits pick one of MINHASH_BINS
# bins and each bin keeps its smallest hash. Empty bins borrow from other
# bins along a fixed pseudo-random probe order ("optimal densification"),
# so two questions agree on a bin with probability ≈ their Jaccard
# similarity. Questions that agree on all LSH_ROWS bins of any band become
# candidates, which are then compared exactly.

MINHASH_BINS = 32
LSH_ROWS = 3
LSH_BANDS = 10  # 10 bands of 3 bins: a pair at 0.7 similarity is found with p ≈ 0.985, at 0.1 with p ≈ 0.01
_BIN_SHIFT = 64 - 5  # top 5 bits of a 64-bit hash: 32 bins
_BINS = range(MINHASH_BINS)
_BIN_SET = frozenset(_BINS)
_MASK = (1 << 64) - 1
_PAIR_MULTIPLIER = 0x9E3779B97F4A7C15  # odd: a bijection modulo 2**64
# Fixed probe orders for empty bins; seeded, so the same on every run.
_PROBES = [random.Random(index).sample(_BINS, MINHASH_BINS) for index in _BINS]


def item_shingles(item: Item, word_hashes: dict[str, int]) -> frozenset[int]:
    """Word pairs of the normalized stem and options, each as a 64-bit hash;
    ``word_hashes`` caches the words' hashes.

    Single words are left out: a bank's common vocabulary would make every
    question look like every other."""
    words = shingle_words(item.question)
    for word in words:
        if word not in word_hashes:
            word_hashes[word] = _stable_hash(word)
    hashes = list(map(word_hashes.__getitem__, words))
    return frozenset(map(xor, pair_heads(hashes), islice(hashes, 1, None)))


def pair_heads(hashes):
    """(a * _PAIR_MULTIPLIER) & _MASK for each hash a: a pair of words (a,
    b) hashes to head(a) ^ b. The multiply makes pairs ordered, (a, b) and
    (b, a) differ. Spelled as maps of operator functions, the arithmetic
    runs in C, not one bytecode loop per word. A one-word text gives no pair
    of its own, but pairs with the marker around it."""
    return map(and_, map(mul, hashes, repeat(_PAIR_MULTIPLIER)), repeat(_MASK))


def bank_shingles(questions: list[Question]) -> list[frozenset[int]]:
    """item_shingles for each question, made for the whole bank at once.

    One lower(), translate() and split() over all the questions' texts, a
    question marker word "\\x01" between them, and the pair arithmetic in one
    pass over all the words: per question, those calls cost more than the
    characters they handle. Each question then takes its slice of the pairs,
    which leaves out the pairs that cross the marker. lower() treats the
    spaces around the marker as the end and start of a text, as in
    shingle_words."""
    texts = " \x01 ".join([_shingle_text(question) for question in questions])
    if texts.count("\x01") != len(questions) - 1:  # a text holds the marker itself
        word_hashes: dict[str, int] = {}
        return [item_shingles(Item(question, ""), word_hashes) for question in questions]
    words = texts.lower().translate(_SEPARATORS).split()
    distinct = list(set(words))
    hashes = list(map(_stable_hash, distinct))
    word_hashes = dict(zip(distinct, hashes))
    word_heads = dict(zip(distinct, pair_heads(hashes)))  # the multiply once per word, not once per pair
    # pairs[n] is the pair of words n and n + 1
    pairs = list(map(xor, map(word_heads.__getitem__, words), map(word_hashes.__getitem__, islice(words, 1, None))))
    shingle_sets = []
    start = 0
    for _ in range(len(questions) - 1):
        end = words.index("\x01", start)
        shingle_sets.append(frozenset(pairs[start : max(start, end - 1)]))  # none without two words
        start = end + 1
    shingle_sets.append(frozenset(pairs[start:]))
    return shingle_sets


def _shingle_text(question: Question) -> str:
    return " \x00 ".join([question.stem, *(option.text for option in question.options)])


def shingle_words(question: Question) -> list[str]:
    """The words of the stem and then of each option, a marker word "\\x00"
    before each option: words_of each text, in one list.

    Made in one pass over the texts joined: the marker, spaced, becomes a
    word of its own, and lower() treats the spaces around it as the end and
    start of a text."""
    return _shingle_text(question).lower().translate(_SEPARATORS).split()


def question_shingles(question: Question) -> frozenset[int]:
    return item_shingles(Item(question, ""), {})


def _stable_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "big")


def minhash_signature(hashes) -> list[int]:
    """The smallest hash in each bin, empty bins filled along their probe order."""
    descending = sorted(hashes, reverse=True)
    # dict() keeps the last value given for a bin, which is its smallest.
    smallest = dict(zip(map(rshift, descending, repeat(_BIN_SHIFT)), descending))
    signature = list(map(smallest.get, _BINS))
    for index in _BIN_SET.difference(smallest):  # the empty bins only
        for other in _PROBES[index]:
            if other in smallest:
                signature[index] = smallest[other]
                break
    return signature


def similar_pairs(shingle_sets: list[frozenset], threshold: float) -> list[tuple[int, int, float]]:
    """Index pairs whose exact Jaccard similarity is at least ``threshold``.

    Shingles are 64-bit hashes (from item_shingles)."""
    buckets: dict[tuple, list[int]] = defaultdict(list)
    for n, shingles in enumerate(shingle_sets):
        if not shingles:
            continue
        signature = minhash_signature(shingles)
        rows = [iter(signature)] * LSH_ROWS
        for key in zip(range(LSH_BANDS), *rows):
            buckets[key].append(n)
    candidates = set()
    for members in buckets.values():
        if len(members) > 1:
            candidates.update((n, m) for i, n in enumerate(members) for m in members[i + 1 :])
    found = []
    for n, m in sorted(candidates):
        a, b = shingle_sets[n], shingle_sets[m]
        shared = len(a & b)
        similarity = shared / (len(a) + len(b) - shared)  # len(a | b), without building the union
        if similarity >= threshold:
            found.append((n, m, similarity))
    return found


# -- configuration -------------------------------------------------------------------------


@dataclass
class LintConfig:
    severities: dict[str, str] = field(default_factory=lambda: {r.id: r.severity for r in RULES.values()})
    enabled: set[str] = field(default_factory=lambda: set(RULES))
    settings: dict = field(default_factory=lambda: dict(DEFAULTS))
    source: str | None = None


def _toml():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    return tomllib


def find_config_file(start: Path) -> tuple[Path, dict] | None:
    """The nearest qbank.toml ([lint]) or pyproject.toml with [tool.qbank.lint], at or above ``start``."""
    start = Path(start).resolve()
    for directory in (start, *start.parents) if start.is_dir() else start.parents:
        for name, keys in (("qbank.toml", ("lint",)), ("pyproject.toml", ("tool", "qbank", "lint"))):
            candidate = directory / name
            if candidate.is_file():
                table = _read_table(candidate, keys)
                if table is not None:
                    return candidate, table
    return None


def _read_table(path: Path, keys: tuple[str, ...]) -> dict | None:
    try:
        table = _toml().loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BankError(f"{path}: cannot read the lint configuration: {error}") from None
    for key in keys:
        if not isinstance(table, dict) or key not in table:
            return None
        table = table[key]
    return table


def make_config(table: dict | None = None, source: str | None = None, *, only=(), ignore=()) -> LintConfig:
    config = LintConfig(source=source)
    table = dict(table or {})
    shown = source or "lint configuration"

    def rule_ids(key, values):
        values = list(values)
        unknown = [v for v in values if v not in RULES]
        if unknown:
            raise BankError(f"{shown}: {key}: unknown rule(s) {', '.join(unknown)}; `qbank lint --list-rules` lists them")
        return values

    for severity, key in (("error", "errors"), ("warning", "warnings")):
        for rule_id in rule_ids(key, table.pop(key, ())):
            config.severities[rule_id] = severity
    ignored = set(rule_ids("ignore", table.pop("ignore", ()))) | set(rule_ids("--ignore", ignore))
    selected = set(rule_ids("select", table.pop("select", ()))) | set(rule_ids("--rule", only))
    if selected:
        config.enabled = selected
    config.enabled -= ignored
    for key, value in table.items():
        if key not in DEFAULTS:
            raise BankError(f"{shown}: unknown setting {key!r}; known: errors, warnings, ignore, select, {', '.join(DEFAULTS)}")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise BankError(f"{shown}: {key} must be a number, not {value!r}")
        config.settings[key] = value
    return config


# -- running ---------------------------------------------------------------------------------


def lint_items(items: list[Item], config: LintConfig, *, bank_file: str | None = None,
               only_files: set[str] | None = None) -> list[Problem]:
    """Run the enabled rules. ``only_files`` limits the report to those files
    (bank rules still look at the whole bank)."""
    live = [item for item in items if item.question.status != "retired"]
    question_rules = [r for r in RULES.values() if r.scope == "question" and r.id in config.enabled]
    bank_rules = [r for r in RULES.values() if r.scope == "bank" and r.id in config.enabled]
    reported = [n for n, item in enumerate(live) if only_files is None or item.file in only_files]
    # On a large bank the work is split in two halves of about the same
    # cost, one for a forked process on another core: the bank rules and the
    # question rules of the last questions there, the other questions here.
    background = None
    mine, theirs = reported, []
    if len(live) >= PARALLEL_MIN_QUESTIONS:
        split = len(reported) - child_share(len(reported), len(live), bank_rules)
        background = in_forked_process(_child_findings, question_rules, live, reported[split:], bank_rules, config.settings)
        if background:
            mine, theirs = reported[:split], reported[split:]
    findings = question_findings(question_rules, live, mine, config.settings)
    result = background() if background else None
    if result is None:  # not started, or the process failed: run its part here
        result = question_findings(question_rules, live, theirs, config.settings), bank_findings(bank_rules, live, config.settings)
    their_findings, bank_found = result
    problems: list[Problem] = []
    for rule_id, subject, json_path, message in chain(findings, their_findings, bank_found):
        severity = config.severities[rule_id]
        if subject is None:
            if only_files is None and bank_file:
                problems.append(Problem(bank_file, message, severity=severity, rule=rule_id))
        elif only_files is None or live[subject].file in only_files:
            problems.append(Problem(live[subject].file, message, json_path=json_path, severity=severity, rule=rule_id))
    return problems


# Below this many questions, forking a process costs more than it saves.
PARALLEL_MIN_QUESTIONS = 2000
# The CPU time of the bank rules per question, as a share of the question
# rules' with their derived words: 0.6-0.85 measured on the 10,000-question
# bench bank, and the forked process also pays for copying the pages it
# touches.
BANK_RULES_COST = 0.8


def child_share(reported: int, live: int, bank_rules: list[Rule]) -> int:
    """How many of the ``reported`` questions the forked process takes the
    question rules of, besides the bank rules over all ``live`` questions,
    so that both processes have about the same work."""
    bank_cost = live * BANK_RULES_COST if bank_rules else 0
    return max(0, min(reported, round((reported - bank_cost) / 2)))


def question_findings(question_rules: list[Rule], items: list[Item], indexes: list[int], settings: dict) -> list[tuple]:
    """(rule id, index of the item, JSON path, message) for what the
    question rules find in ``items[n]`` for each n in ``indexes``."""
    return [
        (found.id, n, json_path, message)
        for n in indexes
        for found in question_rules
        for json_path, message in found.check(items[n], settings)
    ]


def _child_findings(question_rules, items, indexes, bank_rules, settings) -> tuple[list[tuple], list[tuple]]:
    return question_findings(question_rules, items, indexes, settings), bank_findings(bank_rules, items, settings)


def bank_findings(bank_rules: list[Rule], items: list[Item], settings: dict) -> list[tuple]:
    """(rule id, index of the item or None, JSON path, message) for what the
    bank rules find: indexes, not items, so the list can be sent between
    processes."""
    index = {id(item): n for n, item in enumerate(items)}
    return [
        (found.id, None if subject is None else index[id(subject)], json_path, message)
        for found in bank_rules
        for subject, json_path, message in found.check(items, settings)
    ]


@contextmanager
def collector_paused():
    """Keep the cyclic garbage collector out of a bank-sized run.

    Reading and linting a bank allocate millions of small objects that live
    to the end of the run and form no cycles worth collecting; the collector
    would only rescan them, over and over (1.3 s of 4 on 10,000 questions).
    Afterwards they are frozen, so the first collection does not scan them
    all at once either."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def lint_bank(bank, config: LintConfig, only_files: set[str] | None = None) -> list[Problem]:
    items = [Item(q, str(bank.paths[q.id])) for q in bank.questions]
    return lint_items(items, config, bank_file=str(Path(bank.root) / "syllabus.json"), only_files=only_files)


def lint_question(question: Question, file: str, config: LintConfig | None = None) -> list[Problem]:
    """Question rules only, for one question (e.g. before approving it)."""
    return lint_items([Item(question, file)], config or make_config(only=[r.id for r in RULES.values() if r.scope == "question"]))


def sort_key(problem: Problem):
    return problem.file, problem.json_path or "", problem.rule or "", problem.message

