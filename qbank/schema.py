"""The JSON Schemas shipped in the package, and validators compiled once.

Validation has two speeds. jsonschema-rs (compiled, ~5 µs a question)
answers "valid?"; only for a document that fails do we ask jsonschema (the
Python reference implementation, imported on demand) for every error with
its JSON path and a message we can word for authors. Where the two disagree
about a failing document (jsonschema-rs follows ECMA-262 regular
expressions, as the JSON Schema specification says; jsonschema uses
Python's ``re``), jsonschema-rs's own errors are reported, so a rejected
document always comes with located errors.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

SCHEMA_NAMES = ("question", "syllabus", "blueprint")
# The bank format this qbank reads; a bank with a higher schema_version was
# written by a newer qbank.
BANK_SCHEMA_VERSION = 1
BLUEPRINT_SCHEMA_VERSION = 1


def schema_dir():
    return resources.files("qbank") / "schemas"


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    return json.loads((schema_dir() / f"{name}.schema.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _fast_validator(name: str):
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(load_schema(name))


@lru_cache(maxsize=None)
def _full_validator(name: str):
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(name))


def schema_errors(name: str, document) -> list[tuple[str, str]]:
    """All schema errors of a document as (JSON path, message), [] if valid."""
    fast = _fast_validator(name)
    if fast.is_valid(document):
        return []
    errors = []
    for error in _full_validator(name).iter_errors(document):
        for leaf in _leaves(error):
            errors.append((json_path(leaf.absolute_path), _message(leaf)))
    if not errors:  # see the module docstring: the two read a pattern differently
        errors = [(json_path(error.instance_path), error.message) for error in fast.iter_errors(document)]
    return sorted(set(errors), key=lambda e: (_path_key(e[0]), e[1]))


def _leaves(error):
    # if/then and allOf wrap the useful error; show the innermost ones.
    if error.context:
        for sub in error.context:
            yield from _leaves(sub)
    else:
        yield error


def _message(error) -> str:
    if error.validator == "additionalProperties":
        return f"{error.message}; remove it or check its spelling"
    if error.validator == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return f"{error.instance!r} is not allowed; use one of: {allowed}"
    if error.validator == "required" and "rationale" in error.message:
        return (
            f"{error.message}: every option needs a rationale (why it is right or "
            "wrong) unless the question's status is draft"
        )
    return error.message


def json_path(parts) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _path_key(path: str):
    return path.count(".") + path.count("["), path
