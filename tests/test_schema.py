import json
import subprocess
import sys
from pathlib import Path

import pytest

from qbank import schema

REPO = Path(__file__).parent.parent


def _properties(node, where="$"):
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{where}.{name}", sub
        for key, sub in node.items():
            # if/then/else only constrain properties defined (and described) above
            if key not in ("if", "then", "else"):
                yield from _properties(sub, f"{where}.{key}")
    elif isinstance(node, list):
        for n, sub in enumerate(node):
            yield from _properties(sub, f"{where}[{n}]")


@pytest.mark.parametrize("name", schema.SCHEMA_NAMES)
def test_every_property_is_described(name):
    document = schema.load_schema(name)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    missing = [where for where, sub in _properties(document) if "description" not in sub]
    assert missing == []


@pytest.mark.parametrize("name", schema.SCHEMA_NAMES)
def test_schemas_are_valid_2020_12(name):
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema.load_schema(name))


@pytest.mark.parametrize("name", schema.SCHEMA_NAMES)
def test_schemas_use_only_keywords_both_validators_read_alike(name):
    text = json.dumps(schema.load_schema(name))
    for keyword in ("unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "prefixItems", "dependentSchemas"):
        assert keyword not in text


def test_fast_and_full_validators_agree_on_an_error():
    errors = schema.schema_errors("question", {"id": "Bad Id", "type": "single", "stem": "x", "syllabus": ["1"],
                                               "options": [{"text": "a", "correct": True}] * 2, "status": "review"})
    paths = [path for path, _ in errors]
    assert "$.id" in paths and "$.options[0]" in paths and "$.options[1]" in paths


def test_a_document_only_the_fast_validator_rejects_still_gets_located_errors():
    # Python's re lets "$" match before a final newline; the ECMA-262 regular
    # expressions of JSON Schema (jsonschema-rs) do not.
    document = {"id": "q-1", "type": "truefalse", "stem": "Is it?", "syllabus": ["1"], "status": "draft",
                "options": [{"text": "True", "correct": True}, {"text": "False", "correct": False}],
                "created": "2024-01-01\n"}
    assert schema.schema_errors("question", {**document, "created": "2024-01-01"}) == []
    errors = schema.schema_errors("question", document)
    assert [path for path, _ in errors] == ["$.created"]
    assert "does not match" in errors[0][1]


def test_installed_wheel_carries_its_schemas(tmp_path):
    """pip install . (not editable), run from another folder: validate still works."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(REPO)],
                   check=True, capture_output=True)
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    *map(str, wheels.glob("qbank-*.whl"))], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import qbank, sys; from qbank.cli import main; "
            "assert qbank.__file__.startswith(sys.argv[1]), qbank.__file__; "
            "sys.argv = ['qbank', 'validate', sys.argv[2]]; main()")
    result = subprocess.run([sys.executable, "-c", code, str(target), str(REPO / "tests/fixtures/mini")],
                            cwd=elsewhere, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "3 questions" in result.stdout
