"""Self-check answers and incidents: from CSV, YAML or the workbook's sheets, normalised.

Answers: region, condition, answer (yes / no / unknown), document, date, note, file,
override_reason. Incidents: region, date, official grade (Ⅰ–Ⅳ), name, document, and an optional
``remove`` (是): a row so marked asks a store to delete the stored incident it describes — deleting is
always said, never inferred from an incident a file leaves out.
Clerks write 是/否/不清楚, 1–4 or Ⅱ级 or 重大 for a grade, dates as 2023-05-01, 2023/5/1 or
2023年5月1日: all are accepted; anything else is an error that names the file, row and field.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from ecozone.dataset import ANSWER_SCHEMA, INCIDENT_SCHEMA
from ecozone.errors import InputError, Location

__all__ = ["REMOVE_EXPECTED", "incident_key", "normalise_answer", "normalise_grade", "parse_date", "parse_remove",
           "read_answers", "read_incidents", "split_removed"]

REMOVE_EXPECTED = "是（删除库中这起事件）或留空"

_ANSWERS = {"是": "yes", "有": "yes", "yes": "yes", "y": "yes", "true": "yes", "否": "no", "无": "no", "no": "no",
            "n": "no", "false": "no", "不清楚": "unknown",
            "不清楚/未答": "unknown", "未答": "unknown", "未知": "unknown", "unknown": "unknown", "": "unknown"}
_GRADES = {"Ⅰ": "Ⅰ", "I": "Ⅰ", "1": "Ⅰ", "特别重大": "Ⅰ", "Ⅱ": "Ⅱ", "II": "Ⅱ", "2": "Ⅱ", "重大": "Ⅱ",
           "Ⅲ": "Ⅲ", "III": "Ⅲ", "3": "Ⅲ", "较大": "Ⅲ", "Ⅳ": "Ⅳ", "IV": "Ⅳ", "4": "Ⅳ", "一般": "Ⅳ"}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def normalise_answer(text: str) -> str | None:
    return _ANSWERS.get(str(text).strip().lower())


def normalise_grade(text: str) -> str | None:
    cleaned = str(text).strip().upper().removesuffix("级").removesuffix("突发环境事件").strip()
    return _GRADES.get(cleaned) or _GRADES.get(str(text).strip().removesuffix("级"))


def parse_remove(text: str | None) -> bool | None:
    """An incident row's 「删除」 mark: True for 是, False for blank or 否, None for anything else."""
    if text is None or not str(text).strip():
        return False
    answer = normalise_answer(str(text))
    return {"yes": True, "no": False}.get(answer or "")


def parse_date(text: Any) -> dt.date | None:
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    match = _DATE.match(str(text).strip())
    if not match:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def answers_frame(rows: list[dict[str, Any]], file: str, where: list[Location]) -> pl.DataFrame:
    """Normalise answer rows; ``where`` gives each row's location for errors."""
    out = []
    for row, location in zip(rows, where, strict=True):
        answer = normalise_answer(row.get("answer") or "")
        if answer is None:
            raise InputError(f"回答「{row.get('answer')}」无法识别", location, expected="是、否 或 不清楚")
        if not re.fullmatch(r"\d{6}", str(row.get("region") or "")):
            raise InputError(f"地区代码不是6位数字：「{row.get('region')}」",
                             Location(file=location.file, line=location.line, sheet=location.sheet,
                                      cell=location.cell, field="region"), expected="6位行政区划代码")
        out.append({"region": str(row["region"]), "condition": str(row.get("condition") or "").strip(),
                    "answer": answer, **{k: _blank(row.get(k)) for k in
                                         ("document", "date", "note", "file", "override_reason")}})
    return pl.DataFrame(out, schema=ANSWER_SCHEMA)


def incidents_frame(rows: list[dict[str, Any]], where: list[Location]) -> pl.DataFrame:
    """Normalised incidents, with a ``remove`` column (the rows marked 删除)."""
    out = []
    for row, location in zip(rows, where, strict=True):
        remove = parse_remove(row.get("remove"))
        if remove is None:
            raise InputError(f"「删除」列的「{row.get('remove')}」无法识别", location, expected=REMOVE_EXPECTED)
        grade = normalise_grade(row.get("grade") or "")
        if grade is None:
            raise InputError(f"事件级别「{row.get('grade')}」无法识别", location,
                             expected="Ⅰ、Ⅱ、Ⅲ、Ⅳ（或 特别重大、重大、较大、一般；1–4）")
        date = parse_date(row.get("date") or "")
        if date is None:
            raise InputError(f"日期「{row.get('date')}」无法识别", location, expected="如 2023-05-01 或 2023年5月1日")
        out.append({"region": str(row.get("region") or ""), "date": date, "grade": grade,
                    "name": _blank(row.get("name")), "document": _blank(row.get("document")),
                    "remove": remove})
    return pl.DataFrame(out, schema={**INCIDENT_SCHEMA, "remove": pl.Boolean})


def split_removed(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the incidents a file lists, the incidents it marks for removal), each in the one schema."""
    columns = list(INCIDENT_SCHEMA)
    return frame.filter(~pl.col("remove")).select(columns), frame.filter(pl.col("remove")).select(columns)


def incident_key(region: str, date: dt.date, grade: str, name: str | None) -> tuple[str, dt.date, str, str]:
    """What makes two incident rows the same incident: place, day, grade and name (a blank name is one name)."""
    return region, date, grade, (name or "").strip()


def _blank(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def _csv_rows(path: Path) -> tuple[list[dict[str, Any]], list[Location]]:
    frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    rows = frame.to_dicts()
    return rows, [Location(file=str(path), line=i + 2) for i in range(len(rows))]


def read_answers(path: Path | str) -> pl.DataFrame:
    """``vetoes.csv`` (one row per region and condition) or ``vetoes.yaml`` ({region: {condition: …}})."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        rows, where = [], []
        for region, conditions in data.items():
            for condition, answer in (conditions or {}).items():
                fields = answer if isinstance(answer, dict) else {"answer": answer}
                rows.append({"region": str(region), "condition": condition, **fields})
                where.append(Location(file=str(path), field=f"{region}.{condition}"))
        return answers_frame(rows, str(path), where)
    rows, where = _csv_rows(path)
    for column in ("region", "condition", "answer"):
        if rows and column not in rows[0]:
            raise InputError(f"缺少列「{column}」", Location(file=str(path), line=1),
                             expected="region, condition, answer, document, date, note, file, override_reason")
    return answers_frame(rows, str(path), where)


def read_incidents(path: Path | str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``incidents.csv``: region, date, grade, name, document[, remove] → (listed, marked for removal)."""
    rows, where = _csv_rows(Path(path))
    return split_removed(incidents_frame(rows, where))
