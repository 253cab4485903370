"""Exceptions raised by the qbank library.

    QbankError                  every error qbank raises on purpose
    ├── BankError               a bank cannot be read or is invalid
    │   └── InvalidBankError    validation found problems (carries them all)
    ├── FormatError             unknown format, or input a reader cannot parse
    │   └── UnsupportedQuestion a question a format cannot express
    └── BuildError              a paper cannot be built (e.g. unsatisfiable blueprint)

The CLI turns any QbankError into a click.ClickException with its message.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    file: str
    message: str
    json_path: str | None = None
    line: int | None = None
    column: int | None = None
    severity: str = "error"
    rule: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        parts = [where]
        if self.rule:
            parts.append(self.rule)
        if self.json_path:
            parts.append(self.json_path)
        parts.append(self.message)
        return ": ".join(parts)

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "json_path": self.json_path,
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
        }


class QbankError(Exception):
    """Base of every error qbank raises on purpose."""


class BankError(QbankError):
    """A bank folder cannot be found or read."""


class InvalidBankError(BankError):
    """Validation found problems; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        count = len(problems)
        shown = "\n".join(str(p) for p in problems[:20])
        more = f"\n… and {count - 20} more" if count > 20 else ""
        super().__init__(
            f"the bank has {count} problem{'s' * (count != 1)}; "
            f"fix them (see `qbank validate`):\n{shown}{more}"
        )


class FormatError(QbankError):
    """Unknown format name, or input that a reader cannot parse."""


class UnsupportedQuestion(FormatError):
    """A question that a format cannot express."""

    def __init__(self, question_id: str, reason: str):
        self.question_id = question_id
        self.reason = reason
        super().__init__(f"{question_id}: {reason}")


class BuildError(QbankError):
    """A paper cannot be built as asked."""
