"""Reading the ministry's table from the file a bureau has: merged cells carried down in Word, PDF and spreadsheets,
the header repeated on each PDF page dropped; hostile or unreadable files refused in Chinese with what is expected."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ecozone.errors import InputError
from ecozone.io.notice import MAX_NOTICE_BYTES, read_notice

NOTICES = Path(__file__).parents[1] / "fixtures" / "notices"


@pytest.mark.parametrize(("name", "rows"), [("mee-2019.docx", 60), ("mee-2019.pdf", 60), ("mee-2019-wps.xlsx", 60),
                                            ("mee-2019-wps.ods", 60), ("mee-2019-2016-wording.docx", 54)])
def test_every_row_of_the_2019_table_is_read_with_merged_cells_carried_down(name: str, rows: int) -> None:
    notice = read_notice(NOTICES / name)
    assert len(notice.rows) == rows  # 40 indicators; parent rows and sub-items (2016 layout: two stacked in a cell)
    by_number: dict[str, list[str]] = {}
    for row in notice.rows:
        by_number.setdefault(row.number, []).append(row.name.split("\n")[0])
    assert list(by_number) == [str(n) for n in range(1, 41)]
    assert by_number["7"] == ["环境空气质量", "优良天数比例", "PM2.5浓度下降幅度"]  # 序号 merged over sub-items
    pm25 = next(r for r in notice.rows if r.name == "PM2.5浓度下降幅度")
    assert pm25.domain == "生态安全" and pm25.attribute == "约束性" and pm25.scope == "市县"
    if name != "mee-2019-2016-wording.docx":
        assert pm25.task == "生态环境质量改善"  # 任务 merged down its rows
    forest = next(r for r in notice.rows if r.number == "11")
    assert forest.target.replace(" ", "").replace("%", "").replace("，", "；") in (
        "山区≥60；丘陵地区≥40；平原地区≥18；干旱半干旱地区≥35；青藏高原地区≥70",
        "山区≥60；丘陵区≥40；平原区≥18；干旱半干旱区≥35；青藏高原≥70")
    assert notice.title == "国家生态文明建设示范市县建设指标"


def test_the_pdf_table_continues_over_its_pages_with_the_header_dropped() -> None:
    notice = read_notice(NOTICES / "mee-2019.pdf")
    pages = {row.where.split()[0] for row in notice.rows}
    assert len(pages) >= 2 and not any(row.name == "指标名称" for row in notice.rows)
    assert notice.document == "环生态〔2019〕76号"
    assert notice.footnotes == ("注：适用范围中「市县」指地级市和县（市、区）均适用。",)  # the note under the table
    coastal = next(r for r in notice.rows if r.number == "18")
    assert coastal.note == "仅适用于沿海地区" and coastal.where.startswith("第")


def test_a_spreadsheet_keeps_numbers_typed_as_numbers_as_the_clerk_sees_them() -> None:
    notice = read_notice(NOTICES / "mee-2019-wps.xlsx")
    assert next(r for r in notice.rows if r.number == "5").target == "100"
    assert notice.rows[0].where == "工作表「附件」第3行"


def test_a_csv_table(tmp_path: Path) -> None:
    path = tmp_path / "指标.csv"
    path.write_text("序号,指标名称,单位,指标值,指标属性\n1,生态文明建设规划,-,制定实施,约束性\n", encoding="gb18030")
    notice = read_notice(path)
    assert [(r.number, r.name, r.target) for r in notice.rows] == [("1", "生态文明建设规划", "制定实施")]
    assert "scope" not in notice.columns


@pytest.mark.parametrize(("name", "said", "expected"), [
    ("scanned.pdf", "没有文字层", "把指标表录入 Excel"),
    ("encrypted.pdf", "已加密", "取消密码"),
    ("no-table.docx", "没有找到指标表", "联系人、电话、邮箱"),
])
def test_unreadable_notices_are_refused_with_what_is_expected(name: str, said: str, expected: str) -> None:
    with pytest.raises(InputError) as refused:
        read_notice(NOTICES / name)
    assert said in refused.value.message and expected in (refused.value.expected or "")
    assert refused.value.location.file is not None and refused.value.location.file.endswith(name)


def test_hostile_files_are_refused_before_they_are_parsed(tmp_path: Path) -> None:
    huge = tmp_path / "通知.pdf"
    with huge.open("wb") as fh:  # sparse: the size is checked before a byte is read
        fh.truncate(MAX_NOTICE_BYTES + 1)
    with pytest.raises(InputError, match="文件过大"):
        read_notice(huge)
    locked = tmp_path / "加密.docx"  # Office keeps an encrypted document in a compound file, not a zip
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048))
    with pytest.raises(InputError, match="已加密") as refused:
        read_notice(locked)
    assert ".docx" in (refused.value.expected or "")
    bomb = tmp_path / "炸弹.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document>" + b" " * (30 * 1024 * 1024))  # 1000× compressed
    with pytest.raises(InputError, match="疑似异常文件"):
        read_notice(bomb)
    damaged = tmp_path / "损坏.docx"
    damaged.write_bytes(b"PK\x03\x04 not a zip at all")
    with pytest.raises(InputError, match="已损坏"):
        read_notice(damaged)
    with pytest.raises(InputError, match=r"不支持「\.doc」"):
        read_notice(tmp_path / "旧版.doc")


def test_a_notice_with_a_city_and_a_county_table_is_read_as_two() -> None:
    from ecozone.io.notice import read_notices

    city, county = read_notices(NOTICES / "two-tables.docx")
    assert (city.title, len(city.rows)) == ("生态文明建设示范区（市）建设指标", 31)  # 「附件1」 taken off
    assert (county.title, len(county.rows)) == ("生态文明建设示范区（县）建设指标", 6)
    assert city.document == county.document == "环办生态〔2024〕4号"
    assert "attribute" not in city.columns
    with pytest.raises(InputError, match="2 张指标表"):
        read_notice(NOTICES / "two-tables.docx")
