"""The application dossier: every file in its 目录 with the right sha256, the same bytes twice, the evidence by
indicator, what is still missing; hostile evidence refused before anything is written."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ecozone.errors import InputError
from ecozone.io.evidence_files import MAX_EVIDENCE_BYTES, check_evidence_file
from tests.conftest import SAMPLE

ECOZONE = str(Path(sys.executable).with_name("ecozone"))


def dossier(data: Path, target: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ECOZONE, "dossier", str(data), "-s", "mee-2019", "-r", "990104", "-o", str(target),
                           *extra], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("dossier")
    first, second = folder / "一.zip", folder / "二.zip"
    for target in (first, second):
        done = dossier(SAMPLE, target)
        assert done.returncode == 0, done.stderr
    return first, second


def test_the_dossier_is_the_same_bytes_every_time(built: tuple[Path, Path]) -> None:
    first, second = built
    assert first.read_bytes() == second.read_bytes()


def test_the_contents_list_every_file_with_its_sha256(built: tuple[Path, Path]) -> None:
    archive = zipfile.ZipFile(built[0])
    names = set(archive.namelist())
    rows = [r for r in load_workbook(io.BytesIO(archive.read("00 目录.xlsx")))["目录"].iter_rows(min_row=3,
                                                                                              values_only=True)]
    listed = {r[1]: r[10] for r in rows}
    assert set(listed) == names - {"00 目录.xlsx", "00 目录.pdf"}  # every file but the lists, and nothing else
    for name, digest in listed.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
    forest = next(r for r in rows if "林草资源监测" in r[1])
    assert forest[1].startswith("03 佐证材料/11 第11项 林草覆盖率/")
    assert (forest[6], forest[7], forest[8]) == ("石门县林业和草原局", "石林字〔2024〕3号", "2024-02-20")


def test_the_printed_contents_carry_the_same_rows_as_the_workbook(built: tuple[Path, Path]) -> None:
    import pdfplumber

    archive = zipfile.ZipFile(built[0])
    rows = [r for r in load_workbook(io.BytesIO(archive.read("00 目录.xlsx")))["目录"].iter_rows(min_row=3,
                                                                                              values_only=True)]
    with pdfplumber.open(io.BytesIO(archive.read("00 目录.pdf"))) as document:
        printed = [row for page in document.pages for table in page.extract_tables() for row in table]
    cells = [[(c or "").replace("\n", "") for c in row] for row in printed]
    cells = [c for c in cells if c[10] != "sha256"]  # the header, repeated on every page
    assert [c[10] for c in cells] == [r[10] for r in rows]  # every sha256, whole, in order
    assert [c[1] for c in cells] == [r[1] for r in rows]
    assert all(page.width > page.height for page in pdfplumber.open(io.BytesIO(archive.read("00 目录.pdf"))).pages)


def test_what_is_missing_lists_the_weak_indicators_first_and_not_those_with_evidence(built: tuple[Path, Path]) -> None:
    archive = zipfile.ZipFile(built[0])
    sheet = load_workbook(io.BytesIO(archive.read("04 尚缺的佐证材料.xlsx"))).active
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0]]
    assert rows[0][2] == "未达标"  # 第33项, not met and without evidence, comes first
    named = " ".join(r[1] for r in rows)
    assert "第11项" not in named and "第29项" not in named and "第1项 " not in named  # evidence given
    assert "第3项 生态文明建设工作占党政实绩考核的比例" in named and rows[-1][3]  # each with its lead department


def test_a_hostile_evidence_list_writes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "数据"
    shutil.copytree(SAMPLE, data)
    (data / "佐证材料" / "说明.exe").write_bytes(b"MZ\x90\x00")
    script = b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"
    (data / "佐证材料" / "带脚本.pdf").write_bytes(script)
    for row, said in [("990104,11,2023,../../etc/passwd", "不在 evidence.csv 所在文件夹之内"),
                      ("990104,11,2023,佐证材料/说明.exe", "可以执行或含宏"),
                      ("990104,11,2023,佐证材料/带脚本.pdf", "含有脚本"),
                      ("990104,11,2023,佐证材料/没有这个.pdf", "找不到文件")]:
        (data / "evidence.csv").write_text("region,indicator,year,file\n" + row + "\n", encoding="utf-8")
        target = tmp_path / "申报材料.zip"
        done = dossier(data, target)
        assert done.returncode != 0 and said in done.stderr and "第 2 行" in done.stderr, (row, done.stderr)
        assert not target.exists()


@pytest.mark.parametrize(("name", "data", "said"), [
    ("报告.pdf", b"%PDF-1.7\n" + b"0" * (MAX_EVIDENCE_BYTES), "文件太大"),
    ("照片.jpg", b"MZ\x90\x00\x03", "无法识别的文件类型"),  # a program renamed as a photo: the bytes decide
    ("..\\..\\报告.pdf", b"%PDF-1.4", "文件名不可接受"),
    ("报告\u202efdp.exe", b"%PDF-1.4", "文件名不可接受"),
    ("宏.docm", b"PK\x03\x04", "可以执行或含宏"),
    ("空.pdf", b"", "文件是空的"),
])
def test_a_hostile_evidence_file_is_refused_in_chinese(name: str, data: bytes, said: str) -> None:
    with pytest.raises(InputError) as caught:
        check_evidence_file(name, data)
    assert said in caught.value.message


def test_word_with_a_macro_project_is_not_a_document() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", b"\x00")
    with pytest.raises(InputError):
        check_evidence_file("材料.docx", buffer.getvalue())
    sample = next((SAMPLE / "佐证材料").glob("*.pdf"))
    assert check_evidence_file(sample.name, sample.read_bytes()).kind == "PDF"


def test_no_clock_is_written_into_the_dossier(built: tuple[Path, Path]) -> None:
    """Two builds a minute apart must still agree: the reports inside say no generation time."""
    import pdfplumber
    from docx import Document

    archive = zipfile.ZipFile(built[0])
    pdf = next(n for n in archive.namelist() if n.endswith(".pdf") and n.startswith("01 "))
    with pdfplumber.open(io.BytesIO(archive.read(pdf))) as document:
        first = document.pages[0].extract_text() or ""
    assert "依据：《国家生态文明建设示范市县建设指标》" in first.replace("\n", "") and "报告生成时间" not in first
    word = next(n for n in archive.namelist() if n.endswith(".docx"))
    text = "\n".join(p.text for p in Document(io.BytesIO(archive.read(word))).paragraphs)
    assert "依据：《" in text and "报告生成时间" not in text
