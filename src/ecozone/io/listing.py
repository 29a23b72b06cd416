"""A listing a user keeps beside the data (evidence.csv, named.csv): read bounded, its columns checked, the optional
ones added empty — every cell as text, for the row checks of its own module."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

from ecozone.errors import InputError, Location

__all__ = ["read_listing"]


def read_listing(path: Path, columns: Mapping[str, str], required: Sequence[str], max_rows: int,
                 split_hint: str) -> pl.DataFrame:
    """The listing's rows (CSV, or the first sheet of an xlsx), at most ``max_rows``; ``columns`` maps each column
    to its Chinese meaning for the messages."""
    file = path.name
    try:
        if path.suffix.lower() in (".xlsx", ".xls", ".ods"):
            from ecozone.io.excel.guard import guard_workbook

            guard_workbook(path)  # size, encryption, zip bombs: before the workbook is opened
            frame = pl.read_excel(path, infer_schema_length=0).head(max_rows + 1)
        else:
            frame = pl.read_csv(path, infer_schema=False, n_rows=max_rows + 1, encoding="utf8-lossy")
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as exc:
        raise InputError(f"无法读取（{type(exc).__name__}）", Location(file=file),
                         expected="UTF-8 编码的 CSV（或 Excel），首行为列名 " + "、".join(columns)) from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"缺少列 {'、'.join(missing)}", Location(file=file, line=1),
                         expected="列 " + "、".join(f"{k}（{v}）" for k, v in columns.items()))
    if frame.height > max_rows:
        raise InputError(f"超过 {max_rows} 行", Location(file=file), expected=split_hint)
    frame = frame.with_columns(*(pl.lit(None, pl.String).alias(c) for c in columns if c not in frame.columns))
    return frame.select(pl.col(c).cast(pl.String) for c in columns)
