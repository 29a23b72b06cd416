"""Problems found while importing: severity, where (file, sheet, cell), what, what is expected.

An import collects every problem instead of stopping at the first, so a clerk fixes a
workbook in one pass. Errors (错误) stop an import; warnings (警告) that need confirmation
stop it until the user confirms; notes (提示) never stop it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ecozone.errors import ConfirmationNeeded, InputError, Location

__all__ = ["ERROR", "NOTE", "WARNING", "Problem", "ProblemList"]

Severity = Literal["错误", "警告", "提示"]
ERROR: Severity = "错误"
WARNING: Severity = "警告"
NOTE: Severity = "提示"
_ORDER = {ERROR: 0, WARNING: 1, NOTE: 2}


@dataclass(frozen=True)
class Problem:
    severity: Severity
    code: str
    message: str
    expected: str | None = None
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None
    needs_confirmation: bool = False

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or self.file or ""

    def as_error(self, others: int = 0) -> InputError:
        more = f"（另有 {others} 个问题，运行 ecozone check 查看全部）" if others else ""
        kind = ConfirmationNeeded if self.needs_confirmation else InputError
        return kind(
            self.message + more,
            Location(file=self.file, sheet=self.sheet, cell=self.cell, field=self.field),
            self.expected,
        )


@dataclass
class ProblemList:
    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.items.append(problem)

    def extend(self, problems: list[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == ERROR]

    @property
    def to_confirm(self) -> list[Problem]:
        return [p for p in self.items if p.needs_confirmation]

    def sorted(self) -> list[Problem]:
        return sorted(self.items, key=lambda p: (_ORDER[p.severity], p.sheet or "", _cell_key(p.cell)))

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for p in self.items if p.severity == s) for s in (ERROR, WARNING, NOTE)}


def _cell_key(cell: str | None) -> tuple[int, str]:
    if not cell:
        return (0, "")
    letters = cell.rstrip("0123456789")
    return (int(cell[len(letters):] or 0), letters.rjust(3))
