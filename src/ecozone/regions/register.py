"""The region register: every province, prefecture and county-level unit, with codes that move over time.

The register is vendored data (``regions/data/register-nbs-2023.csv``, provenance beside it), the
东/中/西部 zone follows from the province (``zones.yaml``), and code changes — a county merged into
another prefecture, a county turned district — are an explicit mapping (``code-changes.csv``) so
that a ten-year series recorded under the old code follows its region to the new one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from ecozone.errors import InputError, Location, UsageError

__all__ = [
    "CODE_CHANGES_SCHEMA",
    "code_changes",
    "current_codes",
    "fill_zones",
    "follow_code_changes",
    "load_register",
    "register_source",
    "retired_codes",
    "unknown_codes",
    "zone_of_province",
]

REGISTER = "register-nbs-2023"
CODE_CHANGES_SCHEMA = {"old_code": pl.String, "new_code": pl.String, "effective": pl.Date, "kind": pl.String,
                       "old_name": pl.String, "new_name": pl.String, "source": pl.String, "verified": pl.Boolean}


def _data(name: str) -> Path:
    return Path(str(resources.files("ecozone.regions") / "data" / name))


@cache
def register_source() -> dict[str, Any]:
    """Where the register comes from: issuer, edition, URL, counts, whether it was checked."""
    source: dict[str, Any] = yaml.safe_load(_data(f"{REGISTER}.yaml").read_text(encoding="utf-8"))
    return source


@cache
def _zones() -> dict[str, str]:
    document = yaml.safe_load(_data("zones.yaml").read_text(encoding="utf-8"))
    return {province: zone for zone, provinces in document["zones"].items() for province in provinces}


def fill_zones(profiles: pl.DataFrame) -> pl.DataFrame:
    """Profiles whose 东/中/西部 is blank get their province's; a zone the user gave is kept."""
    derived = pl.col("code").str.slice(0, 2).replace_strict(_zones(), default=None, return_dtype=pl.String)
    return profiles.with_columns(zone=pl.coalesce(pl.col("zone"), derived))


def zone_of_province(code: str) -> str | None:
    """东部/中部/西部 for a code's province (its first two digits); None outside the 31 provinces."""
    return _zones().get(code[:2])


@cache
def load_register() -> pl.DataFrame:
    """code, name, level (省/市/县), parent, kind (省级/地级/县级/功能区), province, zone."""
    register = pl.read_csv(_data(f"{REGISTER}.csv"), schema_overrides={"code": pl.String, "parent": pl.String})
    zones = _zones()
    return register.with_columns(
        province=pl.col("code").str.slice(0, 2) + "0000",
        zone=pl.col("code").str.slice(0, 2).replace_strict(zones, default=None, return_dtype=pl.String),
    )


@cache
def code_changes() -> pl.DataFrame:
    """Old code → new code with the date it took effect and the document that made the change."""
    changes = pl.read_csv(_data("code-changes.csv"), schema=CODE_CHANGES_SCHEMA)
    _check_changes(changes, "code-changes.csv")
    return changes


def _check_changes(changes: pl.DataFrame, file: str) -> None:
    """No code may change twice, and a chain of changes must end (old → new → newer is followed)."""
    repeated = changes.filter(pl.col("old_code").is_duplicated())
    if repeated.height:
        raise InputError(f"代码「{repeated['old_code'][0]}」有两条变更记录", Location(file=file, field="old_code"),
                         expected="每个旧代码只对应一个新代码")
    mapping = dict(zip(changes["old_code"], changes["new_code"], strict=True))
    for start in mapping:
        seen = {start}
        code = mapping[start]
        while code in mapping:
            if code in seen:
                raise InputError(f"代码变更成环：{start} → … → {code}", Location(file=file, field="new_code"))
            seen.add(code)
            code = mapping[code]


def follow_code_changes(
    observations: pl.DataFrame, changes: pl.DataFrame | None = None, as_of: dt.date | None = None
) -> pl.DataFrame:
    """Relabel figures recorded under an old code with the region's current code.

    Chains are followed (A → B → C gives C). Where two old codes merge into one new code and both
    report the same metric for the same year, the figures cannot be added up blindly (a rate is not
    a sum), so that is an error naming the codes; a merged region's history is its own to supply.
    """
    changes = code_changes() if changes is None else changes
    if as_of is not None:
        changes = changes.filter(pl.col("effective") <= as_of)
    if changes.height == 0:
        return observations
    mapping = dict(zip(changes["old_code"], changes["new_code"], strict=True))
    if not observations["region"].is_in(list(mapping)).any():  # the usual case: nothing to relabel
        return observations
    final = _ends(mapping, mapping)
    moved = observations.with_columns(
        _was=pl.col("region"), region=pl.col("region").replace(final))
    clash = moved.filter(pl.struct("region", "year", "metric").is_duplicated())
    if clash.height:
        row = clash.sort("region", "year", "metric").row(0, named=True)
        others = clash.filter(pl.col("region") == row["region"], pl.col("year") == row["year"],
                              pl.col("metric") == row["metric"])["_was"].to_list()
        raise InputError(
            f"代码变更后 {row['region']} {row['year']} 年「{row['metric']}」有多条数据（来自 {'、'.join(others)}）",
            Location(field="region"), expected="合并后地区的数值应由合并后的地区提供，请只保留一条")
    return moved.drop("_was")


def unknown_codes(codes: pl.Series) -> list[str]:
    """Codes that are neither in the register nor an old code the changes lead from."""
    known = set(load_register()["code"].to_list()) | set(code_changes()["old_code"].to_list())
    return sorted({c for c in codes.unique().to_list() if c not in known})


@cache
def retired_codes() -> dict[str, str]:
    """Codes withdrawn since 2014 that no change leads from (merged into a neighbour, renamed outright): code → name."""
    source: dict[str, Any] = yaml.safe_load(_data("code-changes.yaml").read_text(encoding="utf-8"))
    return {row["code"]: row["name"] for row in source["unresolved"]}


def current_codes(codes: list[str]) -> dict[str, str]:
    """For the old codes among ``codes``: old → current code (chains followed)."""
    return _ends(codes, dict(zip(code_changes()["old_code"], code_changes()["new_code"], strict=True)))


def _ends(codes: Iterable[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """Where each old code among ``codes`` leads at the end of its chain of changes."""
    found = {}
    for code in codes:
        if code in mapping:
            new = mapping[code]
            while new in mapping:
                new = mapping[new]
            found[code] = new
    return found


def resolve_regions(wanted: list[str]) -> list[str]:
    """Codes for what a user typed: a 6-digit code (a current one, or an old one the changes lead from) or a
    unit's name. A name shared by several units (朝阳区) is refused with every choice and its code."""
    everything = load_register()
    register = everything.filter(pl.col("level") != "省")
    names = dict(zip(register["code"], register["name"], strict=True))
    parents = dict(zip(everything["code"], everything["name"], strict=True))
    changes = dict(zip(code_changes()["old_code"], code_changes()["new_code"], strict=True))
    codes: list[str] = []
    for text in (w.strip() for w in wanted):
        if text in names:
            codes.append(text)
        elif text in changes and changes[text] in names:
            codes.append(changes[text])
        else:
            matches = register.filter(pl.col("name") == text)
            if matches.height == 1:
                codes.append(matches["code"][0])
                continue
            if matches.height > 1:
                choices = "、".join(f"{r['code']}（{parents.get(r['parent'] or '', '')}{r['name']}）"
                                   for r in matches.iter_rows(named=True))
                raise UsageError(f"名称「{text}」对应 {matches.height} 个地区：{choices}", Location(field="--region"),
                                 expected="其中一个的6位代码")
            retired = retired_codes().get(text)
            raise UsageError(
                f"地区「{text}」不在区划登记表（统计用区划代码 2023）中" + (f"：{retired}，已撤销" if retired else ""),
                Location(field="--region"),
                expected="地级或县级单位的现行6位代码或名称，如 522732 或 三都水族自治县；"
                         "登记表中没有的地区用 --regions 给出自己的地区登记表")
    return codes
