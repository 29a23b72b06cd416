"""The one exception module: every error a user can see, in Chinese, with where and what.

Each error carries a location (file, YAML line, CSV row, field) and what was expected, so
the message tells a clerk exactly what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ConfirmationNeeded", "ConflictError", "EcozoneError", "InputError", "Location", "NotLoggedIn", "OutputError",
    "PackError", "ScopeError", "UsageError",
]


@dataclass(frozen=True)
class Location:
    """Where an error sits. Every part is optional; the message shows those present."""

    file: str | None = None
    line: int | None = None
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None

    def describe(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(f"文件 {self.file}")
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.cell:
            parts.append(f"单元格 {self.cell}")
        if self.line is not None:
            parts.append(f"第 {self.line} 行")
        if self.field:
            parts.append(f"字段「{self.field}」")
        return "，".join(parts)


@dataclass
class EcozoneError(Exception):
    """Base error: a Chinese problem statement, where it is, and what was expected."""

    problem: str
    location: Location = field(default_factory=Location)
    expected: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def with_hint(self, hint: str) -> EcozoneError:
        """The same error with advice appended (e.g. how to confirm a warning)."""
        self.problem = f"{self.problem}。{hint}"
        self.args = (self.message,)
        return self

    @property
    def message(self) -> str:
        where = self.location.describe()
        text = f"{where}：{self.problem}" if where else self.problem
        if self.expected:
            text += f"（应为：{self.expected}）"
        return text

    def __str__(self) -> str:
        return self.message


class PackError(EcozoneError):
    """A standard pack (YAML) is malformed."""


class InputError(EcozoneError):
    """A region register or a figures file is malformed."""


class ConfirmationNeeded(InputError):
    """A value that is probably a slip (a share typed as a fraction): refused until the user confirms it."""


class UsageError(EcozoneError):
    """The request itself cannot be served (unknown pack id, a year with no data, …)."""


class ScopeError(EcozoneError):
    """The user may not do this to this region (the permission check's reason is the problem)."""


class ConflictError(UsageError):
    """A compare-and-set write lost: someone changed the record since it was read."""


class OutputError(EcozoneError):
    """A result cannot be written where it was asked to go (folder missing, no permission, disk full)."""


class NotLoggedIn(EcozoneError):
    """No valid session: pages redirect to the login, the API answers 401."""

    def __init__(self) -> None:
        super().__init__("请先登录", Location(field="session"), expected="登录后再访问")
