"""One validator: the web form, the API, a CSV folder and a filled workbook give the same answer —
accept, ask to confirm, or refuse, with the same Chinese message — for the same bad value."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from html import unescape
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ecozone import api
from ecozone.errors import ConfirmationNeeded, InputError
from ecozone.io.excel import layout as L
from tests.conftest import SAMPLE
from tests.fixtures.excel.make_fixtures import filled
from tests.web.conftest import csrf_of, login

REGION, METRIC, YEAR = "990104", "urban_sewage_treatment_rate", 2023  # 石门县, 82 % in 2023, ~80 before
THIS_YEAR = dt.date.today().year

# (what is typed, the year it is typed for) → (outcome, the message every adapter gives)
CASES = {
    "year_1800": (("85", 1800), ("refuse", f"年份「1800」不在 1990–{THIS_YEAR} 之间")),
    "year_99999": (("85", 99999), ("refuse", f"年份「99999」不在 1990–{THIS_YEAR} 之间")),
    "fraction": (("0.85", YEAR), ("confirm", "数值「0.85」疑似把百分比填成了小数（如 0.85 应为 85）")),
    "decimal_comma": (("85,5", YEAR), ("refuse", "「85,5」中的逗号无法判断是千分位还是小数点")),
    "nan": (("nan", YEAR), ("refuse", "不是数字：「nan」")),
    "no_data": (("无", YEAR), ("accept", "")),
}


def _outcome(error: Exception | None) -> tuple[str, str]:
    if error is None:
        return ("accept", "")
    assert isinstance(error, InputError), error
    # the hint after the message says how this adapter confirms (a flag, a tick box): the message is the same
    return ("confirm" if isinstance(error, ConfirmationNeeded) else "refuse", error.problem.split("。确认数值无误")[0])


def _csv(tmp_path: Path, text: str, year: int) -> tuple[str, str]:
    folder = tmp_path / "csv"
    shutil.copytree(SAMPLE, folder)
    figures = pl.read_csv(folder / "observations.csv", infer_schema=False)
    row = (pl.col("region") == REGION) & (pl.col("metric") == METRIC) & (pl.col("year") == str(YEAR))
    figures.with_columns(value=pl.when(row).then(pl.lit(text)).otherwise("value"),
                         year=pl.when(row).then(pl.lit(str(year))).otherwise("year")).write_csv(
        folder / "observations.csv")
    try:
        dataset = api.load_dataset(folder)
    except InputError as exc:
        return _outcome(exc)
    kept = dataset.observations.filter((pl.col("region") == REGION) & (pl.col("metric") == METRIC)
                                       & (pl.col("year") == year))
    assert kept.height == 0  # 无: no figure for that year
    return _outcome(None)


def _workbook(tmp_path: Path, text: str, year: int) -> tuple[str, str]:
    path = tmp_path / "filled.xlsx"
    filled(path, REGION)
    book = load_workbook(path)
    sheet = book[L.SHEET_FIGURES]
    header = {cell.value: cell.column for cell in sheet[1]}
    row = next(r[0].row for r in sheet.iter_rows(min_row=2) if r[header[L.COL_METRIC] - 1].value == METRIC)
    column = header[str(YEAR)]
    if year != YEAR:  # a year is typed in the header of its column
        sheet.cell(row=1, column=column, value=str(year))
    else:
        sheet.cell(row=row, column=column, value=float(text) if re.fullmatch(r"[\d.]+", text) else text)
    book.save(path)
    try:
        api.load_dataset(path)
    except InputError as exc:
        return _outcome(exc)
    return _outcome(None)


def _form(client: TestClient, text: str, year: int) -> tuple[str, str]:
    page = client.get(f"/regions/{REGION}").text
    versions = re.search(rf'name="metric" value="{METRIC}"><input type="hidden" name="year" value="{YEAR}">'
                         r'<input type="hidden" name="version" value="(\d+)"', page)
    assert versions is not None
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf_of(client)}
    response = client.post(f"/regions/{REGION}/figures", headers=headers,
                           data={"metric": METRIC, "year": year, "version": versions.group(1), "value": text})
    assert response.status_code == 200
    alert = re.search(r'<span class="error" role="alert">([^<]*)</span>', response.text)
    if alert is None:
        return ("accept", "")
    message = unescape(alert.group(1))
    kind = "confirm" if 'name="accept_warnings"' in response.text else "refuse"
    return (kind, _problem(message))


def _api(client: TestClient, text: str, year: int) -> tuple[str, str]:
    figures = client.get(f"/api/regions/{REGION}/figures").json()
    version = next((f["version"] for f in figures if f["metric"] == METRIC and f["year"] == year), 0)
    response = client.put(f"/api/regions/{REGION}/figures/{METRIC}/{year}",
                          headers={"X-CSRF-Token": csrf_of(client)}, json={"value": text, "version": version})
    if response.status_code == 200:
        assert response.json()["value"] is None  # 无: stored as no figure
        return ("accept", "")
    assert response.status_code == 422, response.text
    message = response.json()["detail"]
    kind = "confirm" if "accept_warnings" in message else "refuse"
    return (kind, _problem(message))


def _problem(message: str) -> str:
    """The problem part of a located message: after 「字段「…」：」, before the hint and the expectation."""
    text = message.split("：", 1)[1] if message.startswith("字段") else message
    return text.split("（应为：")[0].split("。确认数值无误")[0]


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_same_value_gets_the_same_answer_everywhere(case: str, client: TestClient, tmp_path: Path) -> None:
    (text, year), expected = CASES[case]
    login(client, "shimen")
    answers = {
        "CSV": _csv(tmp_path, text, year),
        "工作簿": _workbook(tmp_path, text, year),
        "网页表单": _form(client, text, year),
        "接口": _api(client, text, year),
    }
    assert answers == {adapter: expected for adapter in answers}


def test_a_confirmed_fraction_is_saved_by_the_form_and_the_api(client: TestClient) -> None:
    login(client, "shimen")
    figures = client.get(f"/api/regions/{REGION}/figures").json()
    version = next(f["version"] for f in figures if f["metric"] == METRIC and f["year"] == YEAR)
    saved = client.put(f"/api/regions/{REGION}/figures/{METRIC}/{YEAR}", headers={"X-CSRF-Token": csrf_of(client)},
                       json={"value": "0.85", "version": version, "accept_warnings": True})
    assert saved.status_code == 200 and saved.json()["value"] == 0.85
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf_of(client)}
    response = client.post(f"/regions/{REGION}/figures", headers=headers,
                           data={"metric": METRIC, "year": YEAR - 1, "version": next(
                               f["version"] for f in figures if f["metric"] == METRIC and f["year"] == YEAR - 1),
                               "value": "0.8", "accept_warnings": "true"})
    assert response.status_code == 200 and 'role="alert"' not in response.text and "已保存" in response.text
