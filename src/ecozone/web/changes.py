"""What an upload would change, as its preview lists it: read from the audit records the import itself
writes (in a savepoint that is then rolled back), so the preview cannot say other than the confirm does;
and how each region's verdict and indicators move, from the evaluations of the store before and after."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import polars as pl

from ecozone.catalogue import LoadedStandard, load_metrics
from ecozone.catalogue.vetoes import load_veto_catalogue
from ecozone.evaluation import Evaluation
from ecozone.store.repository import Written
from ecozone.vocabulary import ANSWER

__all__ = ["Change", "UploadChanges", "VerdictShift", "upload_changes", "verdict_shifts"]

_KINDS = {"figure": "数值", "assigned": "上级目标", "answer": "否决项回答", "incident": "突发环境事件",
          "region": "地区信息"}
# what a reader must not miss comes first: deletions, then answers and profiles, then figures
_ORDER = {"删除": 0, "修改": 1, "新增": 2}
_KIND_ORDER = {"突发环境事件": 0, "否决项回答": 1, "地区信息": 2, "上级目标": 3, "数值": 4}


@dataclass(frozen=True)
class Change:
    action: str  # 新增 / 修改 / 删除
    kind: str
    region: str
    what: str
    old: str
    new: str


@dataclass(frozen=True)
class UploadChanges:
    changes: list[Change]
    counts: dict[tuple[str, str], int]  # (kind, action) → n

    @property
    def deletions(self) -> list[Change]:
        return [c for c in self.changes if c.action == "删除"]

    def summary(self) -> str:
        """「数值 新增 3、修改 2；突发环境事件 删除 1」, or that nothing changes."""
        by_kind: dict[str, list[str]] = {}
        for (kind, action), n in sorted(self.counts.items(), key=lambda x: (_KIND_ORDER[x[0][0]], _ORDER[x[0][1]])):
            by_kind.setdefault(kind, []).append(f"{action} {n}")
        said = "；".join(f"{kind} {'、'.join(parts)}" for kind, parts in by_kind.items())
        return said or "与库中数据完全相同，不会写入任何内容"


def upload_changes(records: list[Written], standard: LoadedStandard, names: dict[str, str]) -> UploadChanges:
    """Each written record as a line a clerk reads: which place, what, from what, to what."""
    metrics = load_metrics()
    catalogue = standard.standard.veto_catalogue
    wording = {c.id: c.wording for c in load_veto_catalogue(catalogue).conditions} if catalogue else {}
    changes = []
    for record in records:
        kind = _KINDS.get(record.entity)
        if kind is None:
            continue
        action = "新增" if record.old is None else "删除" if record.new is None else "修改"
        place = f"{names.get(record.region, record.region)}（{record.region}）"
        changes.append(Change(action, kind, place, _what(record, metrics, wording), _shown(record.entity, record.old),
                              _shown(record.entity, record.new)))
    changes.sort(key=lambda c: (_ORDER[c.action], _KIND_ORDER[c.kind], c.region))
    return UploadChanges(changes, dict(Counter((c.kind, c.action) for c in changes)))


def _what(record: Written, metrics: dict[str, Any], wording: dict[str, str]) -> str:
    key = record.key or {}
    if record.entity in ("figure", "assigned"):
        metric = metrics.get(key.get("metric", ""))
        name = metric.name if metric is not None else key.get("metric", "")
        return f"{key.get('year')} 年 {name}"
    if record.entity == "answer":
        condition = key.get("condition", "")
        return str(wording.get(condition, condition))
    if record.entity == "incident":
        shown = record.old or record.new or {}
        return f"{shown.get('date')} {shown.get('grade')}级 {shown.get('name') or '（未填事件名称）'}"
    return "地区信息"


def _shown(entity: str, values: dict[str, Any] | None) -> str:
    if values is None:
        return ""
    if entity == "figure":
        value, state = values.get("value"), values.get("state")
        return f"{value:.6g}" if isinstance(value, int | float) else str(state or "")
    if entity == "assigned":
        target = values.get("target")
        return f"{target:.6g}" if isinstance(target, int | float) else ""
    if entity == "answer":
        return ANSWER[values["answer"]] if values.get("answer") else ""
    if entity == "incident":
        return f"定级文件：{values.get('document')}" if values.get("document") else "（未填定级文件）"
    return "、".join(f"{v}" for v in values.values() if v not in (None, "", False))


@dataclass(frozen=True)
class VerdictShift:
    """One region's standing before and after an upload, with the indicators whose judgement moves."""

    region: str
    name: str
    before: str | None  # verdict code; None: the region is not in the store yet
    after: str
    met_before: int | None
    met: int
    applicable: int
    indicators: list[dict[str, Any]]  # number, name, status_before, status, value_before, value


def verdict_shifts(before: Evaluation | None, after: Evaluation) -> list[VerdictShift]:
    """Per region of ``after``: its verdict before → after, and each indicator whose status or value moves —
    both read from the one evaluation of the store as it is and as it would be."""
    key = ["region", "indicator_id"]
    # figures written as the change list writes them (6 significant digits: 18, not 18.0)
    shown = pl.coalesce(pl.col("value").map_elements(lambda v: f"{v:.6g}", return_dtype=pl.String), pl.col("state"),
                        pl.lit(""))
    now = after.indicators.select(*key, "number", "name", "status", value=shown)
    if before is not None:
        was = before.indicators.select(*key, status_before="status", value_before=shown)
        now = now.join(was, on=key, how="left")
    else:
        now = now.with_columns(status_before=pl.lit(None, pl.String), value_before=pl.lit(None, pl.String))
    # a region new to the store has no before: its verdict is said, its indicators are not listed as moves
    moved = now.filter((pl.col("status") != pl.col("status_before")) | (pl.col("value") != pl.col("value_before")))
    old = {r["region"]: r for r in before.regions.iter_rows(named=True)} if before is not None else {}
    shifts = []
    for row in after.regions.iter_rows(named=True):
        was_row = old.get(row["region"])
        lines = moved.filter(pl.col("region") == row["region"]).sort("number").drop(key).to_dicts()
        shifts.append(VerdictShift(row["region"], row["name"], was_row["verdict"] if was_row else None,
                                   row["verdict"], was_row["met"] if was_row else None, row["met"], row["applicable"],
                                   lines))
    return shifts
