"""Where packs come from: the packs shipped with ecozone and the user's standards folders.

A user's packs live outside the package, in ``ECOZONE_STANDARDS_PATH`` (one or more folders,
separated like PATH) or else in the user's data folder (``~/.local/share/ecozone/standards`` on
Linux). Each is one ``<id>.yaml``: a whole pack, or an overlay that ``extends`` another pack
(see ``overlay.py``). A user pack may not reuse the id of a shipped one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import platformdirs

from ecozone.catalogue.evidence import evidence_for
from ecozone.catalogue.load import LoadedStandard, _data_dir, compose_file, load_metrics, standard_from_data, yaml_where
from ecozone.catalogue.model import Metric
from ecozone.catalogue.overlay import merge_overlay
from ecozone.errors import Location, PackError, UsageError

__all__ = ["ENV", "PackEntry", "default_user_folder", "find_pack", "list_standards", "load_standard",
           "load_standard_file", "pack_entries", "user_evidence_files", "user_folders"]

ENV = "ECOZONE_STANDARDS_PATH"
Origin = Literal["shipped", "user"]


@dataclass(frozen=True)
class PackEntry:
    id: str
    path: Path
    origin: Origin
    problem: str | None = None  # why this file is not used (it reuses a shipped id)


def default_user_folder() -> Path:
    return platformdirs.user_data_path("ecozone", appauthor=False) / "standards"


def user_folders() -> list[Path]:
    """The folders searched for the user's packs, first one first (the first is where new packs go)."""
    given = os.environ.get(ENV, "")
    folders = [Path(p).expanduser() for p in given.split(os.pathsep) if p.strip()]
    return folders or [default_user_folder()]


def user_evidence_files() -> dict[str, Path]:
    """The user's 佐证材料清单 by pack id (``<folder>/evidence/<id>.yaml``; the first folder wins)."""
    found: dict[str, Path] = {}
    for folder in user_folders():
        for path in sorted((folder / "evidence").glob("*.yaml")):
            found.setdefault(path.stem, path)
    return found


def pack_entries() -> list[PackEntry]:
    """Every pack by id: the shipped ones, then the user's. A user file reusing a shipped id is listed with
    its problem and never used: the shipped pack keeps its id, so a report's standard id names one thing."""
    entries = [PackEntry(p.stem, p, "shipped") for p in sorted((_data_dir() / "packs").glob("*.yaml"))]
    shipped = {e.id for e in entries}
    seen: set[str] = set()
    for folder in user_folders():
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            if path.stem in shipped:
                entries.append(PackEntry(path.stem, path, "user", problem=f"编号与内置标准包重复，未使用（{path}）"))
            elif path.stem not in seen:  # an earlier folder wins, as on PATH
                seen.add(path.stem)
                entries.append(PackEntry(path.stem, path, "user"))
    return entries


def find_pack(standard_id: str, entries: list[PackEntry] | None = None) -> PackEntry | None:
    """The usable pack of that id (a user file reusing a shipped id is not)."""
    entries = pack_entries() if entries is None else entries
    return next((e for e in entries if e.id == standard_id and e.problem is None), None)


def list_standards() -> list[str]:
    """The ids of every pack: shipped, then the user's."""
    return [e.id for e in pack_entries() if e.problem is None]


def load_standard(standard_id: str) -> LoadedStandard:
    """A pack by id (shipped or the user's), or a pack file by path."""
    entries = pack_entries()
    entry = find_pack(standard_id, entries)
    if entry is not None:
        # any user file changed (an overlay's base among them): read again
        versions = tuple((str(e.path), e.path.stat().st_mtime_ns) for e in entries if e.origin == "user") + tuple(
            (str(p), p.stat().st_mtime_ns) for p in user_evidence_files().values())
        loaded = _load(str(entry.path), versions)
        if loaded.id != standard_id:
            raise PackError(f"标准编号「{loaded.id}」与文件名不一致", Location(file=str(entry.path), field="id"),
                            expected=standard_id)
        return loaded
    if standard_id.endswith((".yaml", ".yml")):
        return load_standard_file(standard_id)
    raise UsageError(
        f"没有编号为「{standard_id}」的标准",
        Location(field="--standard"),
        expected="、".join(list_standards()) + "，或一个标准包 YAML 文件的路径",
    )


def load_standard_file(path: Path | str, metrics: Mapping[str, Metric] | None = None) -> LoadedStandard:
    """Load and check one pack file (an overlay with its base from the library). Raises PackError naming
    file, line and field."""
    data, lines, file = compose_file(path)
    metrics = metrics if metrics is not None else load_metrics()
    if isinstance(data, dict) and "extends" in data:
        data, where, base = merge_overlay(data, lines, file, load_standard)
        loaded = standard_from_data(data, where, file, metrics, extends=base)
    else:
        loaded = standard_from_data(data, yaml_where(data, lines, file), file, metrics)
    loaded.evidence = evidence_for(loaded.id, frozenset(i.id for i in loaded.standard.indicators), loaded.extends,
                                   user_evidence_files())
    return loaded


@cache
def _load(path: str, user_files: tuple[tuple[str, int], ...]) -> LoadedStandard:
    """Cached per version of the user's files: a pack (or an overlay's base) edited while a server runs is
    read again. Shipped files change only with the package."""
    return load_standard_file(path)
