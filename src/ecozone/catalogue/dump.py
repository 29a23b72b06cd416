"""A validated pack written back as YAML that the strict loader reads to the same pack (same hash)."""

from __future__ import annotations

from typing import Any

import yaml

from ecozone.catalogue.model import EvidenceCatalogue, Standard

__all__ = ["dump_evidence", "dump_standard"]

HEADER = "# 由 ecozone 生成的标准包（格式见 docs/pack-format.md）；可用 ecozone standards export 导出为 Excel 修改。\n"


class _Dumper(yaml.SafeDumper):
    """Block style for mappings of the pack, flow style for short leaf mappings such as provenance."""


def _short_mapping(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    flat = all(not isinstance(v, dict | list) for v in data.values())
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=flat and len(data) <= 4)


def _list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flat = all(not isinstance(v, dict | list) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_Dumper.add_representer(dict, _short_mapping)
_Dumper.add_representer(list, _list)


def dump_standard(standard: Standard) -> str:
    """The pack as YAML: fields left at their default are omitted, as a person would write it."""
    data = standard.model_dump(mode="json", exclude_defaults=True)
    data = {"format": standard.format, **data}  # a default-less field, but keep it first and explicit
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110)
    return HEADER + text


def dump_evidence(catalogue: EvidenceCatalogue) -> str:
    """A 佐证材料清单 as YAML that ``load_evidence_file`` reads back to the same list."""
    data = catalogue.model_dump(mode="json", exclude_defaults=True)
    data = {"format": catalogue.format, **data}
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110)
    return ("# 由 ecozone 生成的佐证材料清单；可用 ecozone standards evidence -o 导出为 Excel 修改，"
            "再用 ecozone standards evidence-import 导入。\n" + text)
