"""Hostile workbooks: each is refused with a Chinese reason before anything large is allocated.

The bomb is the one a tester sent: the fill-in template with one cell moved to XFD150000 (26 KB on
disk). calamine holds a sheet as a dense grid, so reading it asked for 78 GB and the process aborted.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

import ecozone
from ecozone.catalogue import load_metrics
from ecozone.errors import InputError
from ecozone.io.excel import layout as L
from ecozone.io.pack_workbook import read_pack_workbook, write_pack_workbook
from tests.conftest import FIXTURES

EXCEL = FIXTURES / "excel"
ECOZONE = str(Path(sys.executable).with_name("ecozone"))


def _far_cell(source: Path, target: Path, sheet: str, cell: str = "XFD150000") -> Path:
    book = load_workbook(source)
    book[sheet][cell] = "x"
    book.save(target)
    return target


def test_a_cell_moved_far_away_is_refused_before_reading(tmp_path: Path) -> None:
    bomb = _far_cell(EXCEL / "filled.xlsx", tmp_path / "bomb.xlsx", L.SHEET_FIGURES)
    assert bomb.stat().st_size < 64 * 1024
    with pytest.raises(InputError) as caught:
        ecozone.check_workbook(bomb)
    assert caught.value.location.sheet == L.SHEET_FIGURES
    assert "XFD150000" in caught.value.message and "Ctrl+End" in (caught.value.expected or "")
    # the command exits with an error and a message, not with an abort (exit 134)
    done = subprocess.run([ECOZONE, "check", str(bomb)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "已用区域过大" in done.stderr + done.stdout


def test_a_wide_or_tall_sheet_within_the_limits_still_reads(tmp_path: Path) -> None:
    wide = _far_cell(EXCEL / "filled.xlsx", tmp_path / "wide.xlsx", L.SHEET_SOURCES, "ALL2")  # column 1,000
    report = ecozone.check_workbook(wide)
    assert not report.problems.errors


def test_a_pack_workbook_with_a_far_cell_is_refused(tmp_path: Path) -> None:
    pack = write_pack_workbook(ecozone.load_standard("mee-2019"), tmp_path / "pack.xlsx")
    book = load_workbook(pack)
    _far_cell(pack, tmp_path / "bomb.xlsx", book.sheetnames[0])
    with pytest.raises(InputError, match="已用区域过大"):
        read_pack_workbook(tmp_path / "bomb.xlsx", load_metrics())


def test_a_part_declaring_a_dtd_or_entities_is_refused(tmp_path: Path) -> None:
    source, target = EXCEL / "filled.xlsx", tmp_path / "dtd.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "xl/workbook.xml":
                head, _, rest = data.partition(b"?>") if data.startswith(b"<?xml") else (b"", b"", data)
                data = head + _ + b'<!DOCTYPE workbook [<!ENTITY a "aaaaaaaaaa">]>' + rest
            new.writestr(info, data)
    with pytest.raises(InputError, match="DTD"):
        ecozone.check_workbook(target)
