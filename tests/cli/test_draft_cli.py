"""From the official notice to a pack: `ecozone standards draft` on the 2019 table as Word, as PDF, as a WPS
spreadsheet and in the 2016 table's wording, then `standards import` and `standards diff` against the shipped pack —
the same rules, every row read. And a notice with what cannot be read: left for a person, listed, refused on import
at its cell until filled."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

ECOZONE = str(Path(sys.executable).with_name("ecozone"))
NOTICES = Path(__file__).parents[1] / "fixtures" / "notices"


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ECOZONE_STANDARDS_PATH": str(folder / "packs")}
    return subprocess.run([ECOZONE, *args], capture_output=True, text=True, timeout=300, env=env, cwd=folder)


@pytest.mark.parametrize(("notice", "issuer"), [("mee-2019.docx", None), ("mee-2019.pdf", None),
                                                ("mee-2019-wps.xlsx", "生态环境部"),
                                                ("mee-2019-2016-wording.docx", "生态环境部")])
def test_a_notice_becomes_the_same_pack(tmp_path: Path, notice: str, issuer: str | None) -> None:
    more = ["--issuer", issuer] if issuer else []  # a spreadsheet typed by a colleague has no 文号 to infer it from
    drafted = run(tmp_path, "standards", "draft", str(NOTICES / notice), "-o", "草稿.xlsx", "--id", "drafted", *more)
    assert drafted.returncode == 0, drafted.stderr
    print(notice, drafted.stdout.splitlines()[1])  # the parse rate, in the test log
    assert "指标值：完全读出 52 个（100%），部分读出 0 个，未能读出 0 个。" in drafted.stdout
    assert "读到" in drafted.stdout and "40 项指标" in drafted.stdout
    imported = run(tmp_path, "standards", "import", "草稿.xlsx", "-o", "drafted.yaml")
    assert imported.returncode == 0, imported.stderr
    assert "已核实 0/40 项" in imported.stdout  # a draft is never verified
    compared = run(tmp_path, "standards", "diff", "mee-2019", "drafted.yaml", "-f", "json")
    assert compared.returncode == 0, compared.stderr
    diff = json.loads(compared.stdout)
    assert (diff["removed"], diff["added"], diff["renamed"]) == ([], [], [])
    changes = [(pair["b_id"], change["what"]) for pair in diff["changed"] for change in pair["changes"]]
    if notice == "mee-2019-2016-wording.docx":  # other words for the same rules: only the 指标值 text differs
        assert changes and {what for _, what in changes} == {"指标值"}
    else:
        assert changes == [] and diff["unchanged"] == 40


def test_what_cannot_be_read_is_left_for_a_person_and_import_says_where(tmp_path: Path) -> None:
    notice = tmp_path / "通知附件.csv"
    with notice.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["序号", "指标名称", "单位", "指标值", "指标属性", "适用范围"])
        writer.writerow(["1", "生态文明建设规划", "-", "制定实施", "约束性", "市县"])
        writer.writerow(["2", "林草覆盖率", "%", "按省级下达的分区目标执行（见附件3）", "参考性", "市县"])
        writer.writerow(["3", "无人机巡护覆盖率", "%", "≥90", "参考性", "县"])
    drafted = run(tmp_path, "standards", "draft", str(notice), "-o", "草稿.xlsx")
    assert drafted.returncode == 0, drafted.stderr
    assert "完全读出 1 个（33%），部分读出 1 个，未能读出 1 个" in drafted.stdout
    assert "建议新增 1 个" in drafted.stdout and "待处理" in drafted.stdout
    book = load_workbook(tmp_path / "草稿.xlsx")
    todo = [[c.value for c in line] for line in book["待处理"].iter_rows(min_row=2)]
    unread = next(line for line in todo if line[2] == "指标值")
    assert unread[:2] == ["第3行", "第2项 林草覆盖率"] and unread[3] == "按省级下达的分区目标执行（见附件3）"
    assert any(line[2] == "发布机关" for line in todo)  # no 文号 in a CSV to say who issued it
    rules = book["判定规则"]
    metric_column = [c.value for c in rules[1]].index("统计量") + 1
    blank = next(r for r in range(2, rules.max_row + 1) if rules.cell(r, 1).value == "3")
    cell = rules.cell(blank, metric_column)
    assert cell.value is None and cell.fill.fgColor.rgb.endswith("FFCC80")  # orange: for a person to fill
    read = rules.cell(next(r for r in range(2, rules.max_row + 1) if rules.cell(r, 1).value == "1"), metric_column)
    assert read.value == "eco_plan" and read.fill.fgColor.rgb.endswith("FFF9C4")  # yellow: a draft to check
    assert [c.value for c in book["建议新增统计量"][2]][:2] == ["new_metric_1", "无人机巡护覆盖率"]
    refused = run(tmp_path, "standards", "import", "草稿.xlsx", "-o", "x.yaml")
    assert refused.returncode != 0 and "工作表「标准信息」" in refused.stderr and "单元格" in refused.stderr
    assert not (tmp_path / "x.yaml").exists()


def test_the_2024_layout_without_attributes_and_with_marks(tmp_path: Path) -> None:
    """The 2024 city table: no 指标属性 or 适用范围 column (the level is in the title), * marks whose meaning is
    unknown (left for a person, not guessed), ΔEQI and 「且≥90或持续提高」. Once the one unnamed row's metric is
    filled in as a person would, every rule is the shipped pack's."""
    from ecozone.catalogue import load_standard, load_standard_file
    from ecozone.catalogue.describe import describe

    drafted = run(tmp_path, "standards", "draft", str(NOTICES / "mee-2024-city.docx"), "-o", "草稿.xlsx")
    assert drafted.returncode == 0, drafted.stderr
    assert "完全读出 25 个（96%），部分读出 1 个" in drafted.stdout
    book = load_workbook(tmp_path / "草稿.xlsx")
    todo = [[c.value for c in line] for line in book["待处理"].iter_rows(min_row=2)]
    assert sum(1 for line in todo if line[2] == "适用条件") == 6  # every * said
    rules = book["判定规则"]
    metric_column = [c.value for c in rules[1]].index("统计量") + 1
    blank = next(r for r in range(2, rules.max_row + 1) if rules.cell(r, 1).value == "2")
    rules.cell(blank, metric_column).value = "eco_assessment_system"  # the person's one edit
    book.save(tmp_path / "补全.xlsx")
    imported = run(tmp_path, "standards", "import", "补全.xlsx", "-o", "city.yaml")
    assert imported.returncode == 0, imported.stderr
    shipped, mine = load_standard("mee-2024-city").standard, load_standard_file(tmp_path / "city.yaml").standard

    def rules_of(pack: object) -> dict[str, str]:
        found = {}
        for indicator in pack.indicators:  # type: ignore[attr-defined]
            for unit in (indicator.items or (indicator,)):
                found[unit.id] = describe(unit.criterion)
        return found

    assert rules_of(mine) == rules_of(shipped)
    assert {i.id: (i.attribute, i.applies_to.levels) for i in mine.indicators} == {
        i.id: ("none", ("市",)) for i in shipped.indicators}


def test_a_notice_with_two_tables_gives_one_draft_each(tmp_path: Path) -> None:
    drafted = run(tmp_path, "standards", "draft", str(NOTICES / "two-tables.docx"), "-o", "草稿.xlsx", "--id", "gz")
    assert drafted.returncode == 0, drafted.stderr
    assert "文件中有 2 张指标表" in drafted.stdout
    for name, pack_id, level in (("草稿-市.xlsx", "gz-city", "市"), ("草稿-县.xlsx", "gz-county", "县")):
        header = {r[0].value: r[2].value for r in load_workbook(tmp_path / name)["标准信息"].iter_rows(min_row=2)}
        assert (header["id"], header["levels"]) == (pack_id, level)
    assert not (tmp_path / "草稿.xlsx").exists()
