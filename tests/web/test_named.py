"""Named places in the web app: a prefecture imports its list (a source on every row, nothing it does not mention
deleted), the board shows each named county's standing, deadline and next 复核, and the county page its timeline —
the same reading as ``ecozone monitor`` on the same data."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ecozone.dataset import Dataset
from ecozone.web.app import create_app
from tests.conftest import SAMPLE
from tests.web.conftest import csrf_of, login, stocked

USERS = {"zhou": ("prefecture", "990100"), "shimen": ("county", "990104")}


@pytest.fixture()
def app_client(database_url: str, sample: Dataset) -> Iterator[TestClient]:
    stocked(database_url, sample, "命名测试", USERS)  # figures, answers and incidents, as the sample folder
    app = create_app(database_url, secret="named-test-0123456789abcdef0123456789abcdef")
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def send(client: TestClient, text: str, name: str = "named.csv") -> object:
    return client.post("/board/named", data={"csrf": csrf_of(client)},
                       files={"named": (name, text.encode("utf-8"), "text/csv")})


def test_a_prefecture_imports_its_named_list_and_the_board_and_county_page_read_it(app_client: TestClient) -> None:
    client = login(app_client, "zhou")
    listed = (SAMPLE / "named.csv").read_text(encoding="utf-8")
    done = send(client, listed)
    assert done.status_code == 200 and "新增 2 条" in done.text  # type: ignore[attr-defined]
    again = send(client, listed)
    assert "新增 0 条，更新 0 条" in again.text  # type: ignore[attr-defined]  # the same list twice changes nothing
    board = client.get("/").text
    assert 'id="named-places"' in board and "云溪县（990102）" in board and "青岚县（990101）" in board
    # the same reading as the command line on the same data
    cli = subprocess.run([str(Path(sys.executable).with_name("ecozone")), "monitor", str(SAMPLE), "-s", "mee-2019",
                          "-f", "json"], capture_output=True, text=True, timeout=300)
    standings = {s["region"]: s for s in json.loads(cli.stdout)["standings"]}
    page = client.get("/regions/990102").text
    assert 'id="timeline"' in page and "2022 年自评：警告（黄牌）" in page and "2023 年自评：整改完成" in page
    assert f"下次复核（预计）{standings['990102']['next_review']}" in page
    # a row without a source, and a county outside the prefecture, are refused and nothing is kept
    bad = send(client, "region,title,batch,named_on,document,source\n990103,示范区,第六批,2022-11-01,,\n")
    assert bad.status_code == 422 and "第 2 行" in bad.text and "来源" in bad.text  # type: ignore[attr-defined]
    assert "望潮县（990103）" not in client.get("/").text.split('id="named-places"')[1].split("</table>")[0]


def test_a_county_may_not_import_a_named_list(app_client: TestClient) -> None:
    client = login(app_client, "shimen")
    refused = send(client, (SAMPLE / "named.csv").read_text(encoding="utf-8"))
    assert refused.status_code == 403  # type: ignore[attr-defined]


def test_the_board_compares_the_scope_under_other_rules(app_client: TestClient) -> None:
    client = login(app_client, "zhou")
    page = client.get("/board/compare", params={"against": "2026"})
    assert page.status_code == 200
    assert "2026 年申报适用" in page.text and "暂以 mee-2019 代替" in page.text
    verdicts = page.text.split('id="compare-verdicts"')[1].split("</table>")[0]
    assert "青岚县（990101）" in verdicts and "资料不全" in verdicts  # the 2025 rules ask a question still unanswered
    assert "对中央领导同志作出重要指示批示的生态环境问题整改不力" in verdicts
    unknown = client.get("/board/compare", params={"against": "no-such-pack"})
    assert unknown.status_code == 422 and "没有编号为「no-such-pack」的标准" in unknown.text


def test_a_named_county_submits_its_annual_self_assessment_and_the_timeline_stands_on_it(
        app_client: TestClient, database_url: str) -> None:
    from sqlalchemy import select

    from ecozone.store import db
    from ecozone.store.models import AuditRecord, SelfAssessment

    zhou = login(app_client, "zhou")
    named = (SAMPLE / "named.csv").read_text(encoding="utf-8").replace("990101,", "990104,", 1)  # 石门县 named
    assert "新增 2 条" in send(zhou, named).text  # type: ignore[attr-defined]
    app_client.cookies.clear()
    shimen = login(app_client, "shimen")
    token = csrf_of(shimen, "/regions/990104")
    done = shimen.post("/regions/990104/self-assessment", data={"csrf": token, "year": "2023"},
                       follow_redirects=False)
    assert done.status_code == 303
    page = shimen.get("/regions/990104").text
    assert "2023 年自评（已提交）" in page and 'id="assessed"' in page
    engine = db.engine_for(database_url)
    with db.session_factory(engine)() as session:
        kept = session.scalars(select(SelfAssessment)).all()
        assert [(k.region, k.year, k.created_by) for k in kept] == [("990104", 2023, "shimen")]
        assert kept[0].verdict == "warning" and "第29项" in (kept[0].reason or "")  # 城镇污水处理率 below target
        assert kept[0].snapshot["standard"]["id"] == "mee-2019"
        assert session.scalar(select(AuditRecord.reason).where(AuditRecord.entity == "self_assessment")) == \
            "提交年度自评估"
    engine.dispose()
    before_naming = shimen.post("/regions/990104/self-assessment", data={"csrf": token, "year": "2019"})
    assert before_naming.status_code == 422 and "2019 年不能提交自评估" in before_naming.text
    app_client.cookies.clear()
    zhou = login(app_client, "zhou")  # a reviewer reads it, but does not submit for the county
    assert "2023 年自评（已提交）" in zhou.get("/regions/990104").text
    # the named-places board in the order things fall due: 云溪县's 复核 first; 石门县, revoked (its 2021 warning
    # unrectified by the assumed deadline), last with nothing due, its submitted 2023 self-assessment shown
    board = zhou.get("/board/named").text.split('id="named-board"')[1].split("</table>")[0]
    rows = board.split("</tr>")[1:-1]
    assert "云溪县（990102）" in rows[0] and "复核评估（预计）" in rows[0] and "未提交" in rows[0]
    assert "石门县（990104）" in rows[1] and "撤销（红牌）" in rows[1] and "2023 年" in rows[1]
    assert 'data-label="下次到期">—' in rows[1]
    revoked = zhou.get("/board/named", params={"standing": "revoked"}).text
    assert revoked.count('data-standing="') == 1 and 'data-standing="revoked"' in revoked
    unknown = zhou.get("/board/named", params={"standing": "gold"})
    assert unknown.status_code == 422 and "没有「gold」这种现状" in unknown.text
    assert zhou.post("/regions/990104/self-assessment", data={"csrf": csrf_of(zhou, "/regions/990104"),
                                                               "year": "2023"}).status_code == 403
