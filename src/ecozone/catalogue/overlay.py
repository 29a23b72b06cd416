"""A pack written on top of another: ``extends: mee-2024-city`` plus what this bureau changes.

An overlay has its own ``id`` and may give:

- any field of the pack's header (``title``, ``complete``, ``parameters`` …): mappings are merged key by
  key, everything else replaced; setting ``complete: true`` drops the base's ``missing_rows``;
- ``indicators``: an indicator with the id of one in the base replaces it, a new id is appended;
- ``verifications``: ``{indicator id: {source, confidence, verified, note}}`` replaces that indicator's
  provenance — how ``ecozone standards verify`` records a check against the official text.

The merged pack is then checked as any pack is; errors point into the overlay file where the
offending part came from it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from ecozone.catalogue.load import LoadedStandard, PathKey, Where, _dotted, _nearest, yaml_where
from ecozone.errors import Location, PackError

__all__ = ["OVERLAY_KEYS", "merge_overlay"]

OVERLAY_KEYS = ("extends", "verifications")


def merge_overlay(overlay: dict[str, Any], lines: Mapping[PathKey, int], file: str,
                  load_standard: Callable[[str], LoadedStandard]) -> tuple[dict[str, Any], Where, str]:
    """The overlay applied to its base: (merged data, where each path was written, the base's id).

    ``load_standard``: how a base is found by id (the library's; the overlay itself knows no library).
    """
    at = yaml_where(overlay, lines, file)
    base_id = overlay["extends"]
    if not isinstance(base_id, str):
        raise PackError("extends 应为一个标准编号", at(("extends",)), expected="如 mee-2024-city")
    base = load_standard(base_id)
    if overlay.get("id") == base.id:
        raise PackError(f"编号须与所扩展的标准「{base.id}」不同", at(("id",)), expected=f"如 {base.id}-verified")
    merged: dict[str, Any] = base.standard.model_dump(mode="json")
    origin: dict[int, int | None] = {i: None for i in range(len(merged["indicators"]))}  # merged → overlay index
    for key, value in overlay.items():
        if key in OVERLAY_KEYS:
            continue
        if key == "indicators":
            _merge_indicators(merged, value, origin, at)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    if overlay.get("complete") is True and "missing_rows" not in overlay:
        merged.pop("missing_rows", None)
    verified_at = _apply_verifications(merged, overlay.get("verifications") or {}, at)

    def from_base(path: PathKey) -> Location:
        return Location(file=file, line=_nearest(lines, ("extends",)),
                        field=f"{_dotted(path)}（来自所扩展的标准 {base.id}）")

    def where(path: PathKey) -> Location:
        if len(path) >= 2 and path[0] == "indicators" and isinstance(path[1], int):
            indicator_id = merged["indicators"][path[1]].get("id") if path[1] < len(merged["indicators"]) else None
            if len(path) >= 3 and path[2] == "provenance" and indicator_id in verified_at:
                return at(("verifications", str(indicator_id), *path[3:]))
            own = origin.get(path[1])
            return from_base(path) if own is None else at(("indicators", own, *path[2:]))
        return at(path) if path and path[0] in overlay else from_base(path)

    return merged, where, base.id


def _deep_merge(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in change.items():
        out[key] = _deep_merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) \
            else value
    return out


def _merge_indicators(merged: dict[str, Any], given: Any, origin: dict[int, int | None], at: Where) -> None:
    if not isinstance(given, list):
        raise PackError("indicators 应为列表", at(("indicators",)), expected="指标列表")
    position = {ind["id"]: i for i, ind in enumerate(merged["indicators"])}
    for j, indicator in enumerate(given):
        indicator_id = indicator.get("id") if isinstance(indicator, dict) else None
        if indicator_id in position:
            merged["indicators"][position[indicator_id]] = indicator
            origin[position[indicator_id]] = j
        else:
            origin[len(merged["indicators"])] = j
            merged["indicators"].append(indicator)


def _apply_verifications(merged: dict[str, Any], verifications: Any, at: Where) -> set[str]:
    if not isinstance(verifications, dict):
        raise PackError("verifications 应为映射", at(("verifications",)),
                        expected="指标编号: {source, confidence, verified, note}")
    position = {str(ind.get("id")): i for i, ind in enumerate(merged["indicators"])}
    for indicator_id, provenance in verifications.items():
        if str(indicator_id) not in position:
            raise PackError(f"核实记录中的指标「{indicator_id}」不在标准中", at(("verifications", indicator_id)),
                            expected="、".join(position))
        merged["indicators"][position[str(indicator_id)]]["provenance"] = provenance
    return {str(k) for k in verifications}
