"""The README documents every command, and every command's help has an example."""

from pathlib import Path

import pytest

from qbank.cli import cli

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_is_in_the_readme(name):
    assert f"qbank {name}" in README


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_help_has_an_example(name):
    assert "Example" in (cli.commands[name].help or "")
