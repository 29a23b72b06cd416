"""Evidence requirements (佐证材料清单) of a pack, as data: per indicator, what documents prove it, who issues them,
the lead department (牵头部门) and the supporting ones (配合部门), and where the figure is published.

They live in a companion file per pack (``data/evidence/<pack>.yaml``) with their own provenance, because the
published tables name no evidence: what ships is the product's suggestion, marked unverified. A pack that
extends another inherits its parent's list. A user's own list (``<standards folder>/evidence/<pack>.yaml``,
written by ``ecozone standards evidence-import``) replaces the shipped one of the same pack.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from ecozone.catalogue.load import LoadedStandard, _data_dir, _nearest, _parse
from ecozone.catalogue.model import EvidenceCatalogue
from ecozone.errors import Location, PackError

__all__ = ["evidence_for", "evidence_rows", "load_evidence_file"]


def _files() -> dict[str, Path]:
    return {p.stem: p for p in sorted((_data_dir() / "evidence").glob("*.yaml"))}


def load_evidence_file(path: Path, indicator_ids: frozenset[str] | None = None) -> EvidenceCatalogue:
    """Read one evidence file; every department named must be listed, every indicator must be the pack's."""
    return _load(path, indicator_ids, path.stat().st_mtime_ns)  # a user's file edited is read again


@cache
def _load(path: Path, indicator_ids: frozenset[str] | None, _version: int) -> EvidenceCatalogue:
    file = str(path)
    catalogue, _data, lines = _parse(EvidenceCatalogue, path.read_text(encoding="utf-8"), file)
    assert isinstance(catalogue, EvidenceCatalogue)
    listed = set(catalogue.departments)
    for indicator_id, need in catalogue.indicators.items():
        where = ("indicators", indicator_id)
        if indicator_ids is not None and indicator_id not in indicator_ids:
            raise PackError(f"标准包 {catalogue.pack} 没有第 {indicator_id} 项指标",
                            Location(file=file, line=_nearest(lines, where), field=f"indicators.{indicator_id}"),
                            expected="标准包中的指标编号")
        for role, department in [("lead", need.lead), *(("support", d) for d in need.support)]:
            if department not in listed:
                raise PackError(f"部门「{department}」不在 departments 列表中",
                                Location(file=file, line=_nearest(lines, (*where, role)),
                                         field=f"indicators.{indicator_id}.{role}"),
                                expected="在文件开头的 departments 中列出该部门（各地可改为本地机构名称）")
    return catalogue


def evidence_for(pack_id: str, indicator_ids: frozenset[str], parent: str | None = None,
                 user_files: Mapping[str, Path] | None = None) -> EvidenceCatalogue | None:
    """The evidence list of a pack (or of the pack it extends) — the user's own before the shipped one — checked
    against its indicators."""
    shipped = _files()
    for candidate in (pack_id, parent):
        for files in (user_files or {}, shipped):
            if candidate and candidate in files:
                return load_evidence_file(files[candidate], indicator_ids)
    return None


def evidence_rows(loaded: LoadedStandard) -> list[dict[str, str]]:
    """One row per (department, indicator): the 资料清单 by department, lead before support."""
    assert loaded.evidence is not None
    names = {i.id: i.name for i in loaded.standard.indicators}
    rows = []
    for department, wanted in loaded.evidence.by_department().items():
        for indicator_id, role in sorted(wanted, key=lambda w: (w[1] != "牵头", float(w[0]))):
            need = loaded.evidence.indicators[indicator_id]
            rows.append({
                "department": department, "role": role, "id": indicator_id, "name": names[indicator_id],
                "evidence": "\n".join(f"{e.kind}：{e.what}{'（必须）' if e.required else ''}" for e in need.evidence),
                "issuer": "\n".join(e.issuer or "—" for e in need.evidence), "source": need.data_source or "",
            })
    return rows
