"""How a text is shown to a user: the room it takes in a spreadsheet column (every workbook writer sizes
its rows with it, because neither Excel nor WPS grows a row for wrapped text when it opens a generated
file), and a time in Beijing time, the only time a user reads."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Sequence
from zoneinfo import ZoneInfo

__all__ = ["BEIJING", "row_lines", "shown_time", "wrapped_lines"]

BEIJING = ZoneInfo("Asia/Shanghai")


def shown_time(moment: dt.datetime | None = None) -> str:
    """「2026年12月2日 08:21（北京时间）」: a stored time (naive ones are UTC, as the databases keep them), or now."""
    moment = moment or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    moment = moment.astimezone(BEIJING)
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}（北京时间）"


def wrapped_lines(text: str, width: float) -> int:
    """Lines a wrapped ``text`` takes in a column ``width`` characters wide (a CJK character is two)."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return max(1, math.ceil(shown / max(width - 1, 1)))


def row_lines(row: Sequence[object], widths: Sequence[float]) -> int:
    """Lines the tallest cell of a spreadsheet row takes: each cell's own lines, each wrapped at its column's width
    (Excel and WPS keep a written row at one line unless its height is given)."""
    return max(sum(wrapped_lines(part, width) for part in str(value).split("\n"))
               for value, width in zip(row, widths, strict=True))
