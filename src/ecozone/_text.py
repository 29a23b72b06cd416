"""How much room a text takes in a spreadsheet column: every workbook writer sizes its rows with it,
because neither Excel nor WPS grows a row for wrapped text when it opens a generated file."""

from __future__ import annotations

import math
import unicodedata

__all__ = ["wrapped_lines"]


def wrapped_lines(text: str, width: float) -> int:
    """Lines a wrapped ``text`` takes in a column ``width`` characters wide (a CJK character is two)."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return max(1, math.ceil(shown / max(width - 1, 1)))
