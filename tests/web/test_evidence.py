"""佐证材料 in the web app: kept with what they prove, refused when hostile (nothing kept), within scope, and the
application dossier — the same bytes as the command line's for the same data and evidence."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ecozone.dataset import Dataset
from ecozone.store import db
from ecozone.store.repository import Actor, import_dataset
from tests.conftest import SAMPLE
from tests.web.conftest import csrf_of, login

PDF = SAMPLE / "佐证材料" / "990104_林草资源监测2023.pdf"
FORM = {"indicator": "11", "year": "2023", "issuer": "石门县林业和草原局", "document": "石林字〔2024〕3号",
        "date": "2024-02-20"}


def upload(client: TestClient, name: str, data: bytes, **form: str) -> object:
    return client.post("/regions/990104/evidence", data={"csrf": csrf_of(client, "/regions/990104"), **FORM, **form},
                       files={"evidence": (name, data, "application/octet-stream")}, follow_redirects=False)


def test_a_clerk_keeps_evidence_of_an_indicator_and_hostile_files_are_refused(client: TestClient) -> None:
    login(client, "shimen")
    saved = upload(client, PDF.name, PDF.read_bytes())
    assert saved.status_code == 303  # type: ignore[attr-defined]
    page = client.get("/regions/990104").text
    row = re.search(r'<tr><td>第11项</td><td>2023</td><td><a href="/files/(\d+)">990104_林草资源监测2023.pdf</a>', page)
    assert row is not None and "石林字〔2024〕3号" in page
    assert client.get(f"/files/{row.group(1)}").content == PDF.read_bytes()
    script = b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"
    for name, data, said in [("说明.exe", b"MZ\x90\x00", "可以执行或含宏"), ("带脚本.pdf", script, "含有脚本"),
                             ("照片.jpg", b"MZ\x90\x00", "无法识别的文件类型"),
                             ("../../etc/passwd", b"%PDF-1.4", "文件名不可接受"),
                             ("大.pdf", b"%PDF-1.4" + b"0" * (20 * 1024 * 1024), "太大")]:
        refused = upload(client, name, data)
        assert refused.status_code == 422 and said in refused.text, (name, refused.text[-400:])  # type: ignore[attr-defined]
        assert 'id="evidence-error"' in refused.text  # type: ignore[attr-defined]
    wrong = upload(client, PDF.name, PDF.read_bytes(), indicator="99")
    assert wrong.status_code == 422 and "没有第「99」项指标" in wrong.text  # type: ignore[attr-defined]
    assert client.get("/regions/990104").text.count('<tr><td>第11项</td>') == 1  # nothing else was kept


def test_a_reviewer_may_not_upload_evidence_and_another_county_may_not_see_it(client: TestClient) -> None:
    login(client, "zhou")
    refused = upload(client, PDF.name, PDF.read_bytes())
    assert refused.status_code == 403  # type: ignore[attr-defined]


def test_the_web_dossier_is_the_command_lines_for_the_same_data_and_evidence(client: TestClient, database_url: str,
                                                                            sample: Dataset, tmp_path: Path) -> None:
    engine = db.engine_for(database_url)
    with db.session_factory(engine)() as session, session.begin():  # the store holds the sample as the folder does
        import_dataset(session, sample, Actor("t", "province", "990000"), "测试")
    engine.dispose()
    login(client, "shimen")
    assert upload(client, PDF.name, PDF.read_bytes()).status_code == 303  # type: ignore[attr-defined]
    web = client.get("/regions/990104/dossier.zip")
    assert web.status_code == 200 and "attachment" in web.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(web.content))
    kept = "03 佐证材料/11 第11项 林草覆盖率/001 990104_林草资源监测2023.pdf"
    assert archive.read(kept) == PDF.read_bytes()
    rows = list(load_workbook(io.BytesIO(archive.read("00 目录.xlsx"))).active.iter_rows(min_row=3, values_only=True))
    assert {r[1]: r[10] for r in rows}[kept] == hashlib.sha256(PDF.read_bytes()).hexdigest()
    # the command line, on the sample folder with an evidence.csv saying the same of the same file
    folder = tmp_path / "数据"
    shutil.copytree(SAMPLE, folder)
    (folder / "evidence.csv").write_text(
        "region,indicator,year,file,kind,issuer,document,date\n"
        f"990104,11,2023,佐证材料/{PDF.name},,石门县林业和草原局,石林字〔2024〕3号,2024-02-20\n", encoding="utf-8")
    target = tmp_path / "申报材料.zip"
    done = subprocess.run([str(Path(sys.executable).with_name("ecozone")), "dossier", str(folder), "-s", "mee-2019",
                           "-r", "990104", "-o", str(target)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert target.read_bytes() == web.content


def test_a_submission_records_the_dossier_that_is_downloaded_after_it(client: TestClient) -> None:
    login(client, "shimen")
    assert upload(client, PDF.name, PDF.read_bytes()).status_code == 303  # type: ignore[attr-defined]
    token = csrf_of(client, "/regions/990104")
    assert client.post("/api/regions/990104/submit", headers={"X-CSRF-Token": token}).status_code == 200
    recorded = client.get("/api/regions/990104/submission").json()["snapshot"]["dossier"]
    assert recorded["evidence"] == 1
    downloaded = client.get("/regions/990104/dossier.zip").content
    assert hashlib.sha256(downloaded).hexdigest() == recorded["sha256"]
    assert recorded["sha256"] in client.get("/regions/990104/submission").text
    # locked: no more evidence until a reviewer reopens the submission, so the recorded dossier stays the one shown
    refused = upload(client, PDF.name, PDF.read_bytes(), indicator="29")
    assert refused.status_code == 422 and "提交" in refused.text  # type: ignore[attr-defined]


def test_a_corrected_document_is_a_new_version_and_only_the_newest_goes_into_the_dossier(client: TestClient) -> None:
    login(client, "shimen")
    assert upload(client, PDF.name, PDF.read_bytes()).status_code == 303  # type: ignore[attr-defined]
    first = int(re.search(r'<a href="/files/(\d+)">990104_林草资源监测2023.pdf', client.get("/regions/990104").text)
                .group(1))  # type: ignore[union-attr]
    corrected = PDF.read_bytes().replace(b"%%EOF", b"% corrected\n%%EOF")
    assert upload(client, "林草资源监测2023（更正）.pdf", corrected, replaces=str(first),
                  document="石林字〔2024〕5号").status_code == 303  # type: ignore[attr-defined]
    page = client.get("/regions/990104").text
    listed = re.search(r'<table id="evidence-files".*?</table>', page, re.S).group(0)  # type: ignore[union-attr]
    assert "林草资源监测2023（更正）.pdf" in listed and "第 2 版" in listed and f'/files/{first}"' in listed
    assert client.get(f"/files/{first}").content == PDF.read_bytes()  # the earlier version is kept
    archive = zipfile.ZipFile(io.BytesIO(client.get("/regions/990104/dossier.zip").content))
    kept = [n for n in archive.namelist() if n.startswith("03 佐证材料/11 ")]
    assert kept == ["03 佐证材料/11 第11项 林草覆盖率/001 林草资源监测2023（更正）.pdf"]
    assert archive.read(kept[0]) == corrected
    # the old version cannot be replaced again, and a version must prove the same indicator
    again = upload(client, "又一版.pdf", corrected, replaces=str(first))
    assert again.status_code == 422 and "已有新版本" in again.text  # type: ignore[attr-defined]
    newest = re.search(r'<a href="/files/(\d+)">林草资源监测2023（更正）.pdf', page).group(1)  # type: ignore[union-attr]
    sideways = upload(client, "又一版.pdf", corrected, replaces=newest, indicator="29")
    assert sideways.status_code == 422 and "须证明同一项指标" in sideways.text  # type: ignore[attr-defined]
