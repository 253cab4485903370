import json
from pathlib import Path

import pytest
from conftest import blueprint_document

from qbank.blueprint import BlueprintError, blueprint_from_dict, read_blueprint
from qbank.errors import BuildError

TEMPLATES = Path(__file__).parent.parent / "templates"


def test_reads_every_field(tmp_path):
    path = tmp_path / "my-exam.json"
    path.write_text(json.dumps(blueprint_document(exclude=["x-1"], variant_labels=["P", "Q"])), encoding="utf-8")
    blueprint, document = read_blueprint(path)
    assert document["title"] == "Test exam"
    assert (blueprint.name, blueprint.bank, blueprint.title) == ("test-exam", "papers", "Test exam")
    assert (blueprint.duration_minutes, blueprint.pass_mark, blueprint.question_count) == (20, 7, 10)
    assert blueprint.exclude == ("x-1",) and blueprint.variant_labels == ("P", "Q")
    assert blueprint.sections[0].rule.syllabus == ("1.1",)
    assert blueprint.sections[0].rule.status == ("approved",)


def test_name_defaults_to_the_file_name(tmp_path):
    document = blueprint_document()
    del document["name"]
    path = tmp_path / "Week 3 Quiz.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert read_blueprint(path)[0].name == "week-3-quiz"


def test_schema_errors_are_all_reported_with_paths():
    document = blueprint_document(duration_minutes="an hour", sections=[{"count": 0, "syllabus": "1.1"}])
    with pytest.raises(BlueprintError) as caught:
        blueprint_from_dict(document, source="exam.json")
    message = str(caught.value)
    assert "exam.json: $.duration_minutes: 'an hour' is not of type 'integer'" in message
    assert "exam.json: $.sections[0].count: 0 is less than the minimum of 1" in message
    assert "exam.json: $.sections[0].syllabus: '1.1' is not of type 'array'" in message
    assert isinstance(caught.value, BuildError)


def test_a_newer_blueprint_format_is_refused():
    with pytest.raises(BlueprintError, match="blueprint format 2 is newer"):
        blueprint_from_dict(blueprint_document(schema_version=2))


def test_invalid_json_has_a_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"title": "x",\n  "sections": [}\n', encoding="utf-8")
    with pytest.raises(BlueprintError, match=r"broken.json:2:16: invalid JSON"):
        read_blueprint(path)


def test_missing_file(tmp_path):
    with pytest.raises(BlueprintError, match="no such blueprint"):
        read_blueprint(tmp_path / "nope.json")


@pytest.mark.parametrize("name", ["itil4-foundation-mock.json", "itil4-2.4-quiz.json"])
def test_shipped_templates_are_valid(name):
    blueprint, _ = read_blueprint(TEMPLATES / name)
    assert blueprint.bank == "itil4-foundation"


def test_the_mock_is_forty_questions_in_sixty_minutes_pass_at_26():
    blueprint, _ = read_blueprint(TEMPLATES / "itil4-foundation-mock.json")
    assert (blueprint.question_count, blueprint.duration_minutes, blueprint.pass_mark) == (40, 60, 26)
