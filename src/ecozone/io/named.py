"""The register of named places (已命名名单): which region holds which title since when — read from ``named.csv``
(or an official list saved as CSV/xlsx with the same columns), every row checked and located."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import polars as pl

from ecozone.errors import InputError, Location
from ecozone.io.answers import parse_date
from ecozone.io.listing import read_listing

__all__ = ["NAMED_COLUMNS", "NAMED_SCHEMA", "TITLES", "read_named"]

TITLES = ("示范区", "两山基地")
NAMED_COLUMNS = {"region": "地区代码", "title": "称号（示范区 / 两山基地）", "batch": "批次", "named_on": "命名日期",
                 "document": "命名文件文号", "source": "来源"}
NAMED_SCHEMA = {"region": pl.String, "title": pl.String, "batch": pl.String, "named_on": pl.Date,
                "document": pl.String, "source": pl.String}
MAX_ROWS = 10_000


def read_named(path: Path, known: Collection[str]) -> pl.DataFrame:
    """The register: each row a region of the data, a title, a naming date and its source (a row without a source
    is refused: only sourced facts about who holds a title are kept)."""
    file = path.name
    frame = read_listing(path, NAMED_COLUMNS, ("region", "title", "named_on", "source"), MAX_ROWS, "拆分为多个文件")
    rows = []
    for line, row in enumerate(frame.iter_rows(named=True), start=2):
        def where(column: str, line: int = line) -> Location:
            return Location(file=file, line=line, field=column)

        region = str(row["region"] or "").strip()
        if region not in known:
            raise InputError(f"地区代码「{region}」不在地区登记表中", where("region"), expected="已登记的 6 位地区代码")
        title = str(row["title"] or "").strip()
        if title not in TITLES:
            raise InputError(f"称号「{title}」无法识别", where("title"), expected="示范区 或 两山基地")
        named_on = parse_date(row["named_on"])
        if named_on is None:
            raise InputError(f"命名日期「{row['named_on']}」无法识别", where("named_on"), expected="如 2020-10-23")
        source = str(row["source"] or "").strip()
        if not source:
            raise InputError("没有填写来源", where("source"), expected="命名文件或公布名单的出处（只收有来源的记录）")
        rows.append({"region": region, "title": title, "batch": (str(row["batch"] or "").strip() or None),
                     "named_on": named_on, "document": (str(row["document"] or "").strip() or None),
                     "source": source})
    return pl.DataFrame(rows, schema=NAMED_SCHEMA)
