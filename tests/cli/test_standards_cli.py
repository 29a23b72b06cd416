"""`ecozone standards` export → edit in Excel → import, verify, use; and diff — through the console script.

The rows added to mee-2024-city here are invented for the test (the official rows 14 onwards are not in
the reference); what is tested is the workflow a bureau follows with the official text in hand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from ecozone import load_standard
from ecozone.catalogue import load_metrics, load_standard_file
from ecozone.engine.criteria import compile_standard

ECOZONE = str(Path(sys.executable).with_name("ecozone"))


@pytest.fixture
def user_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "我的标准包"
    folder.mkdir()
    return folder


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ECOZONE_STANDARDS_PATH": str(folder)}
    return subprocess.run([ECOZONE, *args], capture_output=True, text=True, timeout=300, env=env)


def _column(sheet: Worksheet, title: str) -> int:
    return [c.value for c in sheet[1]].index(title) + 1


def _set_header(book, key: str, value: object) -> None:  # type: ignore[no-untyped-def]
    sheet = book["标准信息"]
    row = next(r[0].row for r in sheet.iter_rows(min_row=2) if r[0].value == key)
    sheet.cell(row=row, column=3).value = value  # cell(..., value=None) would leave the cell as it was


def _append(sheet: Worksheet, values: dict[str, object]) -> None:
    row = sheet.max_row + 1
    for title, value in values.items():
        sheet.cell(row=row, column=_column(sheet, title), value=value)


def _complete_the_city_pack(exported: Path, edited: Path) -> None:
    """What a bureau does in Excel: new id, rows 14–15 filled in, row 2's name, the table marked complete."""
    book = load_workbook(exported)
    _set_header(book, "id", "mee-2024-city-sz")
    _set_header(book, "title", "生态文明建设示范区（市）建设指标（示例州核对版）")
    _set_header(book, "complete", "是")
    _set_header(book, "missing_rows", None)
    indicators, rules = book["指标"], book["判定规则"]
    row2 = next(r[0].row for r in indicators.iter_rows(min_row=2) if r[0].value == "2")
    indicators.cell(row=row2, column=_column(indicators, "名称"), value="生态文明建设目标评价考核制度")
    common = {"领域": "生态经济", "属性": "无此栏", "适用级别": "市", "来源": "测试用虚构行", "可信度": "USER",
              "已核实": "否"}
    _append(indicators, {"编号": "14", "序号": 14, "名称": "单位地区生产总值能耗", "单位": "吨标准煤/万元",
                         "指标值原文": "完成上级规定的目标任务", **common})
    _append(indicators, {"编号": "15", "序号": 15, "名称": "城镇新建绿色建筑比例", "单位": "%",
                         "指标值原文": "≥80", **common})
    _append(rules, {"指标编号": "14", "节点": "1", "类型": "上级目标", "统计量": "energy_intensity"})
    _append(rules, {"指标编号": "15", "节点": "1", "类型": "门槛值", "统计量": "green_building_ratio", "比较": "≥",
                    "目标值": 80})
    book.save(edited)


def _mark_all_verified(workbook: Path, out: Path) -> None:
    book = load_workbook(workbook)
    sheet = book["指标"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value and not row[_column(sheet, "所属指标") - 1].value:
            sheet.cell(row=row[0].row, column=_column(sheet, "已核实"), value="是")
            sheet.cell(row=row[0].row, column=_column(sheet, "可信度"), value="USER")
            sheet.cell(row=row[0].row, column=_column(sheet, "来源"), value="环办生态〔2024〕4号 附件（测试）")
    book.save(out)


def _a_city(folder: Path, pack_file: Path) -> Path:
    """One fictional city with a figure for every metric the pack reads, 2021–2023."""
    pack = load_standard_file(pack_file)
    metrics = load_metrics()
    leaves = compile_standard(pack).leaves
    rows = []
    for metric in leaves["metric"].unique().sort():
        value = metrics[metric].states[0] if metrics[metric].kind == "state" else "50"
        rows += [{"region": "990100", "year": str(y), "metric": metric, "value": value} for y in (2021, 2022, 2023)]
    data = folder / "city"
    data.mkdir()
    pl.DataFrame(rows).write_csv(data / "observations.csv")
    (data / "regions.csv").write_text("code,name,level,terrain,zone\n990100,示例州,市,山区,西部\n", encoding="utf-8")
    return data


def test_complete_verify_and_use_an_incomplete_pack(tmp_path: Path, user_folder: Path) -> None:
    exported, edited, checked = tmp_path / "city.xlsx", tmp_path / "city-filled.xlsx", tmp_path / "city-checked.xlsx"
    assert run(user_folder, "standards", "export", "mee-2024-city", "-o", str(exported)).returncode == 0
    _complete_the_city_pack(exported, edited)

    imported = run(user_folder, "standards", "import", str(edited), "--install")
    assert imported.returncode == 0, imported.stderr
    assert "mee-2024-city-sz：15 项指标" in imported.stdout and "完整" in imported.stdout
    assert (user_folder / "mee-2024-city-sz.yaml").exists()
    listed = run(user_folder, "standards")
    line = next(x for x in listed.stdout.splitlines() if "mee-2024-city-sz" in x)
    assert "用户" in line and "是" in line  # a user pack, complete

    again = tmp_path / "again.xlsx"
    assert run(user_folder, "standards", "export", "mee-2024-city-sz", "-o", str(again)).returncode == 0
    _mark_all_verified(again, checked)
    verified = run(user_folder, "standards", "verify", "mee-2024-city-sz", "--from", str(checked))
    assert verified.returncode == 0, verified.stderr
    assert "已核实 15/15 项（100%）" in verified.stdout
    shown = run(user_folder, "standards", "show", "mee-2024-city-sz")
    assert "已核实 15/15 项（100%）" in shown.stdout and "完整：是" in shown.stdout

    city = _a_city(tmp_path, user_folder / "mee-2024-city-sz.yaml")
    assessed = run(user_folder, "assess", str(city), "--standard", "mee-2024-city-sz", "--format", "json")
    assert assessed.returncode == 0, assessed.stderr
    result = json.loads(assessed.stdout)
    assert result["standard"]["id"] == "mee-2024-city-sz" and result["standard"]["complete"] is True
    assert result["standard"]["unverified_indicators"] == []
    statuses = {i["id"]: i["status"] for i in result["regions"][0]["indicators"]}
    assert statuses["15"] == "not_met"  # 50 % against ≥80: the added row is judged
    assert statuses["14"] == "missing"  # no target set by the higher level in the data
    assert result["regions"][0]["verdict"] == "incomplete"


def test_verifying_a_shipped_pack_writes_an_overlay_and_leaves_the_shipped_file(tmp_path: Path,
                                                                                user_folder: Path) -> None:
    before = load_standard("mee-2019").hash
    exported = tmp_path / "mee-2019.xlsx"
    assert run(user_folder, "standards", "export", "mee-2019", "-o", str(exported)).returncode == 0
    book = load_workbook(exported)
    sheet = book["指标"]
    row = next(r[0].row for r in sheet.iter_rows(min_row=2) if r[0].value == "11")
    for title, value in (("已核实", "是"), ("可信度", "V1"), ("来源", "环生态〔2019〕76号 附件 第11项"),
                         ("核实说明", "与正式文本一致")):
        sheet.cell(row=row, column=_column(sheet, title), value=value)
    book.save(tmp_path / "checked.xlsx")
    done = run(user_folder, "standards", "verify", "mee-2019", "--from", str(tmp_path / "checked.xlsx"))
    assert done.returncode == 0, done.stderr
    assert "mee-2019-verified" in done.stdout and "已核实 2/40 项" in done.stdout
    overlay = (user_folder / "mee-2019-verified.yaml").read_text(encoding="utf-8")
    assert "extends: mee-2019" in overlay and "环生态〔2019〕76号 附件 第11项" in overlay
    shown = run(user_folder, "standards", "show", "mee-2019-verified")
    assert "扩展 mee-2019" in shown.stdout and "已核实 2/40 项" in shown.stdout
    assert load_standard("mee-2019").hash == before  # the shipped pack is not touched

    sheet.cell(row=row, column=_column(sheet, "来源")).value = None
    book.save(tmp_path / "no-source.xlsx")
    refused = run(user_folder, "standards", "verify", "mee-2019", "--from", str(tmp_path / "no-source.xlsx"))
    assert refused.returncode == 1 and "工作表「指标」" in refused.stderr and "缺少来源" in refused.stderr


def test_a_user_pack_may_not_take_a_shipped_id_and_a_broken_one_does_not_hide_the_rest(tmp_path: Path,
                                                                                      user_folder: Path) -> None:
    exported = tmp_path / "p.xlsx"
    assert run(user_folder, "standards", "export", "mee-2016-county", "-o", str(exported)).returncode == 0
    refused = run(user_folder, "standards", "import", str(exported), "--install")
    assert refused.returncode == 1 and "内置标准包的编号" in refused.stderr and "标准信息" in refused.stderr
    (user_folder / "broken.yaml").write_text("format: 1\nid: broken\ntitle: [\n", encoding="utf-8")
    (user_folder / "mee-2019.yaml").write_text("format: 1\nid: mee-2019\n", encoding="utf-8")  # copied by hand
    listed = run(user_folder, "standards")
    assert listed.returncode == 0 and "无法加载" in listed.stdout and "编号与内置标准包重复，未使用" in listed.stdout
    shown = run(user_folder, "standards", "show", "mee-2019")
    assert shown.returncode == 0 and "packs/mee-2019.yaml" in shown.stdout  # the shipped pack keeps its id


def test_diff_of_the_2016_and_2019_county_tables(user_folder: Path) -> None:
    text = run(user_folder, "standards", "diff", "mee-2016-county", "mee-2019")
    assert text.returncode == 0, text.stderr
    assert "删除：3 受保护地区占国土面积比例（protected_land_share）" in text.stdout
    assert "改名：4 规划环评执行率 → 6 依法开展规划环境影响评价" in text.stdout
    assert "属性变化：6 依法开展规划环境影响评价：约束性 → 参考性" in text.stdout
    assert "mee-2016-county 指标表不完整" in text.stdout
    as_json = json.loads(run(user_folder, "standards", "diff", "mee-2016-county", "mee-2019", "-f", "json").stdout)
    assert [o["id"] for o in as_json["removed"]] == ["1", "2", "3"]
    assert {(p["a_id"], p["b_id"]) for p in as_json["changed"]} == {("5", "20"), ("6", "21")}


def test_the_evidence_list_by_department_is_written_for_the_departments(user_folder: Path, tmp_path: Path) -> None:
    target = tmp_path / "资料清单.xlsx"
    done = run(user_folder, "standards", "evidence", "mee-2019", "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert "未核实" in done.stdout and "林业和草原局" in done.stdout
    book = load_workbook(target)
    assert book.sheetnames == ["按部门", "按指标", "清单信息", "指标与部门", "材料"]
    by_department = [r for r in book["按部门"].iter_rows(min_row=2, values_only=True) if r[2]]
    forestry = [(r[1], r[2]) for r in by_department if r[0] == "林业和草原局"]
    assert ("牵头", "11") in forestry and ("配合", "10") in forestry
    assert forestry.index(("牵头", "11")) < forestry.index(("配合", "10"))  # what a department leads comes first
    per_indicator = {r[0]: r for r in book["按指标"].iter_rows(min_row=2, values_only=True) if r[1]}
    assert len(per_indicator) == 40 and per_indicator["29"][2] == "住房和城乡建设局"
    missing = run(user_folder, "standards", "evidence", "mee-2024-city")
    assert missing.returncode != 0 and "没有佐证材料清单" in missing.stderr


def test_a_bureau_edits_the_evidence_list_in_excel_and_its_own_list_is_used(user_folder: Path, tmp_path: Path) -> None:
    """Export, change 林草覆盖率's lead department to the local name and add a document, import: the standard now
    names the local department (templates, weak points, the dossier's 尚缺 list); a bad cell is refused at its
    cell with nothing installed; the round trip of an unedited list changes nothing."""
    exported = tmp_path / "清单.xlsx"
    assert run(user_folder, "standards", "evidence", "mee-2019", "-o", str(exported)).returncode == 0
    same = tmp_path / "same.yaml"
    done = run(user_folder, "standards", "evidence-import", str(exported), "-s", "mee-2019", "-o", str(same))
    assert done.returncode == 0, done.stderr
    from ecozone.catalogue.evidence import load_evidence_file

    assert load_evidence_file(same) == load_standard("mee-2019").evidence
    book = load_workbook(exported)
    leads = book["指标与部门"]
    row = next(r[0].row for r in leads.iter_rows(min_row=2) if r[0].value == "11")
    leads.cell(row=row, column=_column(leads, "牵头部门")).value = "示例州林业局"
    _append(book["材料"], {"序号": "11", "材料类型": "批复文件", "材料内容": "森林督查年度报告",
                          "出具单位": "示例州林业局", "必须": "是"})
    edited = tmp_path / "改.xlsx"
    book.save(edited)
    bad = load_workbook(edited)
    _append(bad["材料"], {"序号": "99", "材料类型": "照片", "材料内容": "现场照片"})
    broken = tmp_path / "错.xlsx"
    bad.save(broken)
    refused = run(user_folder, "standards", "evidence-import", str(broken), "-s", "mee-2019", "--install")
    assert refused.returncode != 0 and "工作表「材料」" in refused.stderr and "没有第「99」项指标" in refused.stderr
    assert not (user_folder / "evidence").exists()
    installed = run(user_folder, "standards", "evidence-import", str(edited), "-s", "mee-2019", "--install")
    assert installed.returncode == 0, installed.stderr
    listed = run(user_folder, "standards", "evidence", "mee-2019")
    assert "示例州林业局" in listed.stdout and "森林督查年度报告" in listed.stdout and "（必须）" in listed.stdout
    template = tmp_path / "t.xlsx"
    assert run(user_folder, "template", "-s", "mee-2019", "-r", "990104", "-o", str(template)).returncode == 0
    figures = load_workbook(template)["指标数据"]
    source = next(r for r in figures.iter_rows(min_row=2, values_only=True) if r[2] == "11")[7]
    assert "示例州林业局" in source
