"""A pack exported to Excel and read back: nothing lost, every mistake located at its sheet and cell."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from ecozone import list_standards, load_standard
from ecozone.catalogue import load_metrics, load_standard_file
from ecozone.catalogue.dump import dump_standard
from ecozone.errors import EcozoneError
from ecozone.io.pack_workbook import read_pack_workbook, write_pack_workbook

SHIPPED = [s for s in list_standards() if load_standard(s).source.endswith(f"packs/{s}.yaml")]


@pytest.mark.parametrize("standard_id", SHIPPED)
def test_export_then_import_gives_the_same_pack(standard_id: str, tmp_path: Path) -> None:
    pack = load_standard(standard_id)
    workbook = write_pack_workbook(pack, tmp_path / f"{standard_id}.xlsx")
    again = read_pack_workbook(workbook, load_metrics())
    assert again.hash == pack.hash
    (tmp_path / "again.yaml").write_text(dump_standard(again.standard), encoding="utf-8")
    assert load_standard_file(tmp_path / "again.yaml").hash == pack.hash  # and the YAML written from it


def test_the_workbook_shows_every_field_a_reviewer_needs(tmp_path: Path) -> None:
    book = load_workbook(write_pack_workbook(load_standard("mee-2019"), tmp_path / "p.xlsx"))
    assert book.sheetnames == ["说明", "标准信息", "指标", "判定规则", "统计量"]
    header = [c.value for c in book["指标"][1]]
    for title in ("领域", "名称", "单位", "方向", "属性", "适用级别", "适用条件", "指标值原文", "规则说明", "数据来源",
                  "牵头部门", "来源", "可信度", "已核实"):
        assert title in header
    row = _row_of(book["指标"], "11")  # 林草覆盖率: targets by terrain
    assert _cell(book["指标"], row, "属性").value == "参考性" and _cell(book["指标"], row, "方向").value == "越高越好"
    variants = [(r[4].value, r[9].value) for r in book["判定规则"].iter_rows(min_row=2)
                if r[0].value == "11" and r[3].value == "分类目标"]
    assert ("山区", 60) in variants and len(variants) >= 3
    dropdowns = [dv.formula1 or "" for dv in book["指标"].data_validations.dataValidation]
    assert any("约束性" in f for f in dropdowns) and any("V1" in f for f in dropdowns)  # where values are fixed


def _row_of(sheet: Worksheet, indicator_id: str, item: str | None = None) -> int:
    for row in sheet.iter_rows(min_row=2):
        if str(row[0].value) == indicator_id and (item is None or str(row[1].value or "") == item):
            return row[0].row
    raise AssertionError(indicator_id)


def _cell(sheet: Worksheet, row: int, title: str):  # type: ignore[no-untyped-def]
    column = [c.value for c in sheet[1]].index(title) + 1
    return sheet.cell(row=row, column=column)


def _rule_row(sheet: Worksheet, indicator_id: str, node: str, item: str | None = None) -> int:
    for row in sheet.iter_rows(min_row=2):
        if str(row[0].value) == indicator_id and str(row[2].value) == node and (row[1].value or None) == item:
            return row[0].row
    raise AssertionError((indicator_id, node))


def _set(sheet_name: str, where: Callable[[Worksheet], int], title: str, value: object) -> Callable[..., str]:
    def edit(book) -> str:  # type: ignore[no-untyped-def]
        sheet = book[sheet_name]
        cell = _cell(sheet, where(sheet), title)
        cell.value = value
        return cell.coordinate
    return edit


def _header(key: str) -> Callable[[Worksheet], int]:
    return lambda sheet: next(r[0].row for r in sheet.iter_rows(min_row=2) if r[0].value == key)


# mistake → (edit, sheet, fragment of the message); the edit returns the cell it changed
MISTAKES = {
    "attribute_not_a_choice": (_set("指标", lambda s: _row_of(s, "11"), "属性", "强制性"), "指标", "不在可选范围内"),
    "verified_without_source": (_set("指标", lambda s: _row_of(s, "1"), "来源", None), "指标", "缺少来源"),
    "verified_but_unverified_confidence": (_set("指标", lambda s: _row_of(s, "1"), "可信度", "UNV"), "指标",
                                           "可信度不能是 UNV"),
    "requires_unknown_feature": (_set("指标", lambda s: _row_of(s, "9"), "适用条件", "靠海"), "指标",
                                 "未知的适用条件「靠海」"),
    "domain_not_in_domains": (_set("指标", lambda s: _row_of(s, "11"), "领域", "生态花园"), "指标",
                              "领域「生态花园」不在本标准的 domains 中"),
    "duplicate_indicator_id": (_set("指标", lambda s: _row_of(s, "14"), "编号", "11"), "指标", "指标编号「11」重复"),
    "item_of_unknown_indicator": (_set("指标", lambda s: _row_of(s, "25.1"), "所属指标", "99"), "指标",
                                  "所属指标「99」"),
    "unknown_metric": (_set("判定规则", lambda s: _rule_row(s, "11", "1"), "统计量", "forest_cover"), "判定规则",
                       "未知的统计量「forest_cover」"),
    "condition_not_recognised": (_set("判定规则", lambda s: _rule_row(s, "11", "1.1"), "条件", "高原"), "判定规则",
                                 "条件中的「高原」无法识别"),
    "target_not_a_number": (_set("判定规则", lambda s: _rule_row(s, "11", "1.1"), "目标值", "六十"), "判定规则",
                            "「六十」不是数字"),
    "threshold_without_target": (_set("判定规则", lambda s: _rule_row(s, "14", "1"), "目标值", None), "判定规则",
                                 "须且只须给出 value"),
    "state_not_in_vocabulary": (_set("判定规则", lambda s: _rule_row(s, "1", "1"), "可取状态", "差不多"), "判定规则",
                                "状态值「差不多」不是统计量"),
    "node_without_parent": (_set("判定规则", lambda s: _rule_row(s, "11", "1.2"), "节点", "1.5.1"), "判定规则",
                            "上级「1.5」不在它之前"),
    "unknown_rule_kind": (_set("判定规则", lambda s: _rule_row(s, "14", "1"), "类型", "大于"), "判定规则",
                          "「类型」的值「大于」不在可选范围内"),
    "header_yes_no": (_set("标准信息", _header("complete"), "值", "可能"), "标准信息", "应填 是 或 否"),
    "header_bad_id": (_set("标准信息", _header("id"), "值", "我的标准"), "标准信息", "格式不符"),
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_pack_workbook(load_standard("mee-2019"), tmp_path_factory.mktemp("pack") / "mee-2019.xlsx")


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_a_mistake_is_named_at_its_sheet_and_cell(mistake: str, exported: Path, tmp_path: Path) -> None:
    edit, sheet, fragment = MISTAKES[mistake]
    book = load_workbook(exported)
    cell = edit(book)
    path = tmp_path / "edited.xlsx"
    book.save(path)
    with pytest.raises(EcozoneError) as caught:
        read_pack_workbook(path, load_metrics())
    error = caught.value
    assert error.location.file == str(path)
    assert error.location.sheet == sheet and error.location.cell == cell, error
    assert fragment in error.message


def test_a_renamed_sheet_is_named(exported: Path, tmp_path: Path) -> None:
    book = load_workbook(exported)
    book["判定规则"].title = "规则"
    book.save(tmp_path / "renamed.xlsx")
    with pytest.raises(EcozoneError, match="缺少工作表「判定规则」"):
        read_pack_workbook(tmp_path / "renamed.xlsx", load_metrics())


def test_the_example_provincial_pack_is_what_its_workbook_imports_to() -> None:
    """examples/province-pack: the edited workbook and the pack committed beside it stay one and the same."""
    folder = Path(__file__).resolve().parents[2] / "examples" / "province-pack"
    pack = load_standard_file(folder / "shili-2025-county.yaml")
    assert read_pack_workbook(folder / "shili-2025-county.xlsx", load_metrics()).hash == pack.hash
    assert "虚构" in pack.standard.title and "虚构" in pack.standard.provenance.source  # marked fictional
    from ecozone.catalogue.diff import diff_standards

    changes = diff_standards(load_standard("mee-2019"), pack)
    assert [o.id for o in changes.added] == ["41", "42"] and changes.removed == []
    assert {p.b_id for p in changes.changed} == {"11", "19"}
