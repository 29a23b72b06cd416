"""Departments as users and data requests in the store: scope by region and by indicator, each step audited and
compare-and-set, refusals said in Chinese with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ecozone.catalogue import load_standard
from ecozone.errors import ConflictError, EcozoneError, InputError, ScopeError, UsageError
from ecozone.store.models import AuditRecord, DataRequest, Observation, RequestItem
from ecozone.store.permissions import can
from ecozone.store.repository import Actor, add_user, department_subjects, load_dataset, set_figure
from ecozone.store.requests import completeness, create_request, decide, items_of, respond

PASSWORD = "correct horse battery"
TODAY = dt.date(2024, 3, 1)
STANDARD = load_standard("mee-2019")
ZHOU = Actor("zhou", "prefecture", "990100")


def step(session: Session) -> object:
    """A transaction of its own (ending the one a read between steps began)."""
    if session.in_transaction():
        session.commit()
    return session.begin()


def bureau(name: str = "linye", region: str = "990100") -> Actor:
    return Actor(name, "department", region, "州林草局", department_subjects(STANDARD, ["11", "12"]))


@pytest.fixture()
def stocked(session: Session) -> Session:
    with step(session):
        add_user(session, "linye", "department", "990100", PASSWORD, department="州林草局", indicators=["11", "12"])
    return session


def send(session: Session, **change: object) -> DataRequest:
    given: dict[str, object] = {"department": "州林草局", "department_region": "990100", "indicators": ["11"],
                                "regions": ["990101", "990102", "990104"], "first_year": 2019, "last_year": 2023,
                                "deadline": dt.date(2024, 3, 15), "note": "请附监测报告", "today": TODAY, **change}
    with step(session):
        return create_request(session, ZHOU, STANDARD, **given)  # type: ignore[arg-type]


def test_a_department_is_scoped_by_region_and_by_indicator() -> None:
    subjects = department_subjects(STANDARD, ["11", "12"])
    assert {"11", "12", "forest_grass_coverage", "key_species_protection_rate"} <= subjects
    assert can("department", "990100", "edit", "990104", "forest_grass_coverage", subjects).allowed
    assert can("department", "990100", "edit", "990104", "12.1", subjects).allowed  # a sub-item of its own
    refused = can("department", "990100", "edit", "990104", "urban_sewage_treatment_rate", subjects)
    assert not refused.allowed and "只能填报分派给本部门的指标（第 11、12 项）" in refused.why
    assert not can("department", "990100", "view", "990104", None, subjects).allowed  # no whole region
    assert not can("department", "990100", "edit", "990201", "forest_grass_coverage", subjects).allowed  # another 州
    county = can("department", "990104", "edit", "990101", "forest_grass_coverage", subjects)
    assert not county.allowed and "990104" in county.why  # a county's bureau: its county only
    assert not can("department", "990100", "submit", "990104").allowed


def test_a_department_writes_only_its_own_figures_through_the_one_validated_write(stocked: Session) -> None:
    session, actor = stocked, bureau()
    with step(session):
        written = set_figure(session, actor, "990104", 2023, "forest_grass_coverage", "72.5", 1)
    assert (written.value, written.version) == (72.5, 2)
    with pytest.raises(ScopeError, match="只能填报分派给本部门的指标"), step(session):
        set_figure(session, actor, "990104", 2023, "urban_sewage_treatment_rate", "90", 1)
    with pytest.raises(ScopeError), step(session):
        load_dataset(session, actor)  # the whole dataset is not a department's to read
    with pytest.raises(InputError, match="超过合理上限"), step(session):  # the same validator as every figure
        set_figure(session, actor, "990104", 2023, "forest_grass_coverage", "172", 2)


def test_a_request_goes_pending_submitted_returned_submitted_accepted_each_step_audited(stocked: Session) -> None:
    session = stocked
    request = send(session)
    items = {i.region: i for i in session.scalars(select(RequestItem).where(RequestItem.request_id == request.id))}
    assert {r: i.status for r, i in items.items()} == dict.fromkeys(["990101", "990102", "990104"], "pending")
    item = items["990104"]
    inbox = items_of(session, bureau(), today=TODAY)
    assert [v.item.region for v in inbox] == ["990101", "990102", "990104"]
    # submitting with figures still missing is refused, naming the first missing ones
    stored = {o.year for o in session.scalars(select(Observation).where(
        Observation.region == "990104", Observation.metric == "forest_grass_coverage"))}
    missing = [y for y in range(2019, 2024) if y not in stored]
    if missing:
        with pytest.raises(InputError, match="未填"), step(session):
            respond(session, bureau(), STANDARD, item.id, 1, {}, submit=True)
    figures = {("forest_grass_coverage", y): (str(70 + y - 2019), _version(session, "990104", y))
               for y in range(2019, 2024)}
    with step(session):
        respond(session, bureau(), STANDARD, item.id, 1, figures, submit=True)
    assert (item.status, item.answered_by, item.version) == ("submitted", "linye", 2)
    with pytest.raises(UsageError, match="不能再修改"), step(session):  # its turn is over until returned
        respond(session, bureau(), STANDARD, item.id, 2, {}, submit=True)
    with pytest.raises(UsageError, match="退回须写明理由"), step(session):
        decide(session, ZHOU, item.id, 2, "returned", "  ")
    with pytest.raises(ConflictError, match="已被他人修改"), step(session):  # a page opened before the answer
        decide(session, ZHOU, item.id, 1, "accepted")
    with step(session):
        decide(session, ZHOU, item.id, 2, "returned", "2021 年数值与统计公报不一致")
    assert (item.status, item.reason) == ("returned", "2021 年数值与统计公报不一致")
    fixed = {("forest_grass_coverage", 2021): ("71.8", _version(session, "990104", 2021))}
    with step(session):
        respond(session, bureau(), STANDARD, item.id, 3, fixed, submit=True)
    with step(session):
        decide(session, ZHOU, item.id, 4, "accepted")
    assert (item.status, item.reason, item.decided_by) == ("accepted", None, "zhou")
    said = [(a.old or {}).get("status", "—") + "→" + (a.new or {})["status"] for a in session.scalars(
        select(AuditRecord).where(AuditRecord.entity == "request", AuditRecord.region == "990104")
        .order_by(AuditRecord.id))]
    assert said == ["—→pending", "pending→submitted", "submitted→returned", "returned→submitted",
                    "submitted→accepted"]
    figure_audit = session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.entity == "figure", AuditRecord.user == "linye"))
    assert figure_audit == 6  # five years, then 2021 again: each write of the department audited as its own


def _version(session: Session, region: str, year: int) -> int:
    found = session.scalar(select(Observation.version).where(
        Observation.region == region, Observation.year == year, Observation.metric == "forest_grass_coverage"))
    return found or 0


def test_requests_are_refused_whole_when_any_part_is_not_the_senders_or_the_departments(stocked: Session) -> None:
    session = stocked
    for change, said in [({"indicators": ["29"]}, "第 29 项不归该部门"),
                         ({"indicators": ["99"]}, "没有第「99」项指标"),
                         ({"regions": ["990104", "990201"]}, "只能访问代码以 9901 开头"),
                         ({"department": "州统计局"}, "没有部门「州统计局」"),
                         ({"deadline": dt.date(2024, 2, 1)}, "已过"),
                         ({"first_year": 2023, "last_year": 2019}, "不可用"),
                         ({"regions": []}, "至少选择一个地区")]:
        with pytest.raises(EcozoneError, match=said):
            send(session, **change)
    assert session.scalar(select(func.count()).select_from(DataRequest)) == 0
    with step(session):
        add_user(session, "shimen-lc", "department", "990104", PASSWORD, department="石门县林草局", indicators=["11"])
    with pytest.raises(UsageError, match="「石门县林草局」（990104）管不到 990101"):  # a county bureau: its county
        send(session, department="石门县林草局", department_region="990104")
    county = Actor("shimen", "county", "990104")
    with pytest.raises(ScopeError), step(session):
        create_request(session, county, STANDARD, department="州林草局", department_region="990100",
                       indicators=["11"], regions=["990101"], first_year=2019, last_year=2023,
                       deadline=dt.date(2024, 3, 15), today=TODAY)


def test_the_board_matrix_counts_requested_answered_accepted_overdue_and_missing_evidence(stocked: Session) -> None:
    session = stocked
    request = send(session)
    item = session.scalar(select(RequestItem).where(RequestItem.request_id == request.id,
                                                    RequestItem.region == "990101"))
    assert item is not None
    figures = {("forest_grass_coverage", y): ("65", _version(session, "990101", y)) for y in range(2019, 2024)}
    with step(session):
        respond(session, bureau(), STANDARD, item.id, 1, figures, submit=True)
    late = completeness(session, ZHOU, today=dt.date(2024, 3, 16))
    assert [row["code"] for row in late["rows"]] == [f"99010{n}" for n in range(1, 9)]  # the unasked too
    cells = {row["code"]: row["cells"]["990100:州林草局"] for row in late["rows"] if row["cells"]}
    assert {k: n for k, n in cells["990101"].items() if n} == {"requested": 1, "answered": 1, "evidence_missing": 1}
    assert cells["990104"]["overdue"] == 1 and cells["990102"]["overdue"] == 1
    on_time = completeness(session, ZHOU, today=TODAY)
    assert not any(row["cells"]["990100:州林草局"]["overdue"] for row in on_time["rows"] if row["cells"])
