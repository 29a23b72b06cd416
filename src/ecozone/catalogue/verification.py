"""Recording that indicators were checked against the official text, and how much of a pack is.

A reviewer marks rows 已核实 with their source in the exported workbook; ``record`` writes those
provenances into the user's standards folder: into the pack itself when it is the user's, else into
an overlay that extends the shipped pack (``<id>-verified``), so the shipped file is never touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ecozone._files import write_text_atomic
from ecozone.catalogue.dump import HEADER, dump_standard
from ecozone.catalogue.library import find_pack, load_standard, user_folders
from ecozone.catalogue.load import LoadedStandard
from ecozone.catalogue.model import Provenance
from ecozone.errors import Location, UsageError

__all__ = ["Coverage", "Recorded", "coverage", "record", "reviewed_provenance"]


@dataclass(frozen=True)
class Coverage:
    verified: int
    total: int

    @property
    def text(self) -> str:
        share = self.verified / self.total if self.total else 0.0
        return f"已核实 {self.verified}/{self.total} 项（{share:.0%}）"


def coverage(loaded: LoadedStandard) -> Coverage:
    return Coverage(loaded.verified_count, len(loaded.standard.indicators))


def reviewed_provenance(pack: LoadedStandard, reviewed: LoadedStandard) -> tuple[dict[str, Provenance], list[str]]:
    """What the reviewed copy says of each indicator's provenance where it differs from the pack;
    and the ids of indicators that differ in anything else (not recorded by a verification)."""
    changed: dict[str, Provenance] = {}
    other: list[str] = []
    theirs = {i.id: i for i in reviewed.standard.indicators}
    for indicator in pack.standard.indicators:
        mine = theirs.get(indicator.id)
        if mine is None:
            other.append(indicator.id)
            continue
        if mine.provenance != indicator.provenance:
            changed[indicator.id] = mine.provenance
        if mine.model_copy(update={"provenance": indicator.provenance}) != indicator:
            other.append(indicator.id)
    other += [i for i in theirs if i not in {ind.id for ind in pack.standard.indicators}]
    return changed, other


@dataclass(frozen=True)
class Recorded:
    standard_id: str
    path: Path
    loaded: LoadedStandard


def record(pack_id: str, changes: dict[str, Provenance], as_id: str | None = None) -> Recorded:
    """Write the verifications; returns the pack that now carries them."""
    entry = find_pack(pack_id)
    if entry is None:
        raise UsageError(f"没有编号为「{pack_id}」的标准", Location(field="ID"))
    if entry.origin == "user" and as_id is None:
        _into_user_pack(entry.path, changes)
        target_id, path = pack_id, entry.path
    else:
        target_id = as_id or f"{pack_id}-verified"
        existing = find_pack(target_id)
        if existing is not None and existing.origin == "shipped":
            raise UsageError(f"「{target_id}」是内置标准包的编号", Location(field="--as"), expected="另取一个编号")
        path = existing.path if existing is not None else user_folders()[0] / f"{target_id}.yaml"
        _into_overlay(path, pack_id, target_id, changes)
    return Recorded(target_id, path, load_standard(target_id))


def _into_user_pack(path: Path, changes: dict[str, Provenance]) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(raw, dict) and "extends" in raw:
        _write_verifications(path, raw, changes)
        return
    loaded = load_standard(path.stem)
    indicators = tuple(i.model_copy(update={"provenance": changes.get(i.id, i.provenance)})
                       for i in loaded.standard.indicators)
    _write(path, dump_standard(loaded.standard.model_copy(update={"indicators": indicators})))


def _into_overlay(path: Path, base_id: str, target_id: str, changes: dict[str, Provenance]) -> None:
    raw: dict[str, Any] = {"extends": base_id, "id": target_id}
    if path.exists():
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if raw.get("extends") != base_id:
            raise UsageError(f"{path} 已存在，但不是扩展「{base_id}」的核实记录", Location(file=str(path)),
                             expected="用 --as 另取一个编号")
    _write_verifications(path, raw, changes)


def _write_verifications(path: Path, overlay: dict[str, Any], changes: dict[str, Provenance]) -> None:
    overlay.setdefault("verifications", {}).update(
        {k: v.model_dump(mode="json", exclude_none=True) for k, v in changes.items()})
    _write(path, HEADER + yaml.safe_dump(overlay, allow_unicode=True, sort_keys=False, width=110))


def _write(path: Path, text: str) -> None:


    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text)
