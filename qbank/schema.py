"""The JSON Schemas shipped in the package, and validators compiled once.

Validation has two speeds. fastjsonschema compiles each schema to Python once
per process and answers "valid?" fast; only for a document that fails do we
ask jsonschema (the reference implementation, imported on demand) for every
error with its JSON path. The schemas use keywords both libraries read the
same way (no unevaluated*, no dynamic refs), which a test checks.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from fastjsonschema import JsonSchemaException

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
    import fastjsonschema

    return fastjsonschema.compile(load_schema(name))


@lru_cache(maxsize=None)
def _full_validator(name: str):
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(name))


def schema_errors(name: str, document) -> list[tuple[str, str]]:
    """All schema errors of a document as (JSON path, message), [] if valid."""
    try:
        _fast_validator(name)(document)
        return []
    except JsonSchemaException:  # the details come from jsonschema, below
        pass
    errors = []
    for error in _full_validator(name).iter_errors(document):
        for leaf in _leaves(error):
            errors.append((json_path(leaf.absolute_path), _message(leaf)))
    if not errors:  # the two validators disagree: report rather than pass
        errors.append(("$", "does not match the schema"))
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
