"""The board and the pages on every screen, in Debian's Chromium against PostgreSQL: the map with and without the
user's boundaries, the plan's per-year cap, the downloads opened as files, and no page wider than its screen.

The screenshots go to tests/artifacts/ for a human look; the 1366 and 390 px shots of the board and the region
page are the ones committed under docs/images/ (copied from there after a run).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.web.conftest import ARTIFACTS, fits, log_in, log_out

SIZES = [(1366, 768), (768, 1024), (390, 844)]
SAMPLE_CODES = [f"99010{i}" for i in range(1, 9)]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_page_fits_every_screen(page: Page, width: int, height: int) -> None:
    """Board, region page, figure grid and questionnaire at 1366, 768 and 390 px: nothing wider than the screen
    (wide tables and the matrix scroll inside their own boxes), no table column squeezed to a character or two a
    line (on a phone such tables become cards), the charts drawn."""
    p = page
    p.set_viewport_size({"width": width, "height": height})
    log_in(p, "zhou")
    expect(p.locator("#heatmap canvas")).to_have_count(1)
    expect(p.locator("#tile-map canvas")).to_have_count(1)
    p.locator("#weak-990104 summary").click()  # one county's weak points open: its table must fit too
    fits(p, "board", width)
    p.context.clear_cookies()
    log_in(p, "shimen")
    expect(p.locator("h1")).to_contain_text("石门县")
    fits(p, "region", width)
    grid = p.locator("#grid-box")
    grid.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / f"grid-{width}.png"))
    # on a phone the grid is for typing in: a cell's input is on screen and wide enough for "85.3%"
    cell = p.get_by_label("城镇污水处理率 2023")
    cell.scroll_into_view_if_needed()
    box = cell.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width and box["width"] >= 50
    p.goto("/regions/990104/selfcheck")
    fits(p, "questionnaire", width)


def test_the_board_names_each_indicator_and_lists_each_countys_weak_points(page: Page) -> None:
    p = page
    log_in(p, "zhou")
    data = json.loads(p.locator("#heatmap-data").text_content() or "{}")
    assert len(data["names"]) == len(data["x"]) and "城镇污水处理率" in data["names"]
    # the tooltip names the indicator and says what the engine said of that cell
    cell = next(c for c in data["cells"] if data["names"][c["value"][0]] == "城镇污水处理率"
                and data["y"][c["value"][1]].startswith("石门县"))
    assert "城镇污水处理率" in cell["said"] and "未达标" in cell["said"]
    weak = p.locator("#weak-990104")
    expect(weak.locator("summary")).to_contain_text("约束性未达标")
    weak.locator("summary").click()
    expect(weak.locator("table")).to_contain_text("城镇污水处理率")


def test_the_plan_takes_a_per_year_cap_and_refuses_a_bad_one_in_place(page: Page) -> None:
    p = page
    log_in(p, "zhou")
    p.get_by_label("每年最多申报").fill("1")
    p.get_by_role("button", name="重新排期").click()
    expect(p.locator("#cap-shown")).to_contain_text("每年至多 1 个")
    years = [t for t in p.locator("#plan tr td:nth-child(4)").all_inner_texts() if t != "—"]
    assert len(years) >= 2 and len(set(years)) == len(years)  # one region a year
    p.get_by_label("每年最多申报").fill("两个")
    p.get_by_role("button", name="重新排期").click()
    expect(p.locator("#cap-error")).to_contain_text("1 至 999 的整数")
    expect(p.locator("#plan")).to_be_visible()  # the page, not an error page


def test_the_board_downloads_open_as_files(page: Page) -> None:
    p = page
    log_in(p, "zhou")
    with p.expect_download() as caught:
        p.locator("#summary-download").click()
    book = load_workbook(io.BytesIO(caught.value.path().read_bytes()))
    assert "分期分批" in book.sheetnames
    assert caught.value.suggested_filename.endswith(".xlsx")
    expect(p.locator(".download-status")).to_contain_text("已下载")
    zip_form = p.locator("#zip-form")
    zip_form.get_by_label("PDF").uncheck()  # Word and Excel: the zip's shape, without 8 PDFs' worth of time
    zip_form.get_by_role("button", name="打包下载").click()
    # made in the background: the job's own page shows its progress (refreshing itself) until it is done
    expect(p.locator("h1")).to_have_text("各地报告打包")
    job_page = p.url
    assert p.locator("#job-status").get_attribute("data-status") in ("queued", "running", "done")
    expect(p.locator("#job-status")).to_have_attribute("data-status", "done", timeout=180_000)
    expect(p.locator("#job-progress")).to_have_attribute("value", str(len(SAMPLE_CODES)))
    fits(p, "job", 1366)
    with p.expect_download() as caught:
        p.locator("#job-download").click()
    archive = zipfile.ZipFile(caught.value.path())
    names = archive.namelist()
    assert any(n.startswith("评估总表") and n.endswith(".xlsx") for n in names)
    for code in SAMPLE_CODES:
        docx = [n for n in names if f"{code}/" in n and n.endswith(".docx")]
        assert len(docx) == 1 and [n for n in names if f"{code}/" in n and n.endswith(".xlsx")], code
    shimen = next(n for n in names if n.endswith(".docx") and "990104" in n)
    text = "\n".join(par.text for par in Document(io.BytesIO(archive.read(shimen))).paragraphs)
    assert "石门县" in text
    log_out(p)  # the job is its owner's alone: the province, above the prefecture, does not see it
    log_in(p, "sheng")
    assert p.request.get(job_page).status == 403
    assert p.request.get(job_page + "/file").status == 403


def boundaries() -> dict[str, object]:
    """Eight fictional squares, one per sample county, matched by adcode (one by name only)."""
    features = []
    for i, code in enumerate(SAMPLE_CODES):
        x, y = 109 + (i % 3) * 0.3, 28 - (i // 3) * 0.3
        ring = [[x, y], [x + 0.3, y], [x + 0.3, y - 0.3], [x, y - 0.3], [x, y]]
        props: dict[str, object] = {"name": "云溪县"} if code == "990102" else {"adcode": int(code), "name": code}
        shape = {"type": "Polygon", "coordinates": [ring]}
        features.append({"type": "Feature", "properties": props, "geometry": shape})
    return {"type": "FeatureCollection", "features": features}


def test_the_map_is_a_tile_map_until_boundaries_with_an_approval_number_are_given(page: Page, tmp_path: Path,
                                                                                  console: list[str]) -> None:
    p = page
    log_in(p, "zhou")
    expect(p.locator("#tile-map canvas")).to_have_count(1)
    expect(p.locator("#map-note")).to_contain_text("不表示实际位置和边界")
    tiles = json.loads(p.locator("#map-data").text_content() or "{}")["tiles"]
    assert [t["region"] for t in tiles] == SAMPLE_CODES
    upload = tmp_path / "示例州县界.geojson"
    upload.write_text(json.dumps(boundaries(), ensure_ascii=False), encoding="utf-8")
    p.locator("#map-upload summary").click()
    p.get_by_label("县界文件").set_input_files(str(upload))
    p.get_by_role("button", name="上传并显示").click()  # no 审图号: refused in place, nothing kept
    expect(p.locator("#map-error")).to_contain_text("审图号")
    console.remove("Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)")
    expect(p.locator("#tile-map canvas")).to_have_count(1)
    p.get_by_label("审图号").fill("GS(2099)0001号")
    p.get_by_label("县界文件").set_input_files(str(upload))
    p.get_by_role("button", name="上传并显示").click()
    expect(p.locator("#map-saved")).to_contain_text("对应 8 个地区")
    expect(p.locator("#map-chart canvas")).to_have_count(1)
    expect(p.locator("#map-approval")).to_contain_text("审图号：GS（2099）0001号")
    ARTIFACTS.mkdir(exist_ok=True)
    p.locator("#map-chart").screenshot(path=str(ARTIFACTS / "board-map-geojson.png"))
    p.goto("/?map=tiles")
    expect(p.locator("#tile-map canvas")).to_have_count(1)
