"""The store on SQLite and PostgreSQL: migrations, all-or-nothing imports, audit, concurrency, scope."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Executable, event, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import ecozone
from ecozone.dataset import Dataset
from ecozone.errors import InputError, ScopeError
from ecozone.store import db
from ecozone.store.models import AuditRecord, Observation
from ecozone.store.permissions import can
from ecozone.store.repository import (
    Actor,
    ConflictError,
    add_user,
    check_password,
    import_dataset,
    load_dataset,
    set_figure,
)

PROVINCE = Actor("省管理员", "province", "990000")
CLERK = Actor("石门县填报员", "county", "990104")


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Observation)) or 0


def test_round_trip_assesses_like_the_files(session: Session, sample: Dataset) -> None:
    stored = load_dataset(session, PROVINCE)
    assert stored.observations.height == sample.observations.height
    from_store = ecozone.assess_dataset("mee-2019", stored)
    from_files = ecozone.assess_dataset("mee-2019", sample)
    assert from_store.regions.select("region", "verdict").equals(from_files.regions.select("region", "verdict"))


def test_import_is_all_or_nothing(session: Session, sample: Dataset) -> None:
    before = _count(session)
    session.rollback()  # end the read's implicit transaction
    stray = sample.observations.head(1).with_columns(region=pl.lit("990199"), year=pl.lit(2030, dtype=pl.Int32))
    broken = Dataset(sample.regions, pl.concat([sample.observations.unique(["region", "metric"], keep="first")
                                                .head(5).with_columns(year=pl.lit(2031, dtype=pl.Int32)), stray]),
                     None)
    with pytest.raises(IntegrityError), session.begin():  # the unregistered region breaks the foreign key
        import_dataset(session, broken, PROVINCE, "带错误的导入")
    session.rollback()
    assert _count(session) == before
    assert session.scalar(select(func.count()).select_from(Observation).where(Observation.year == 2031)) == 0


def test_a_figure_edit_is_audited_and_versioned(session: Session) -> None:
    with session.begin():
        first = set_figure(session, CLERK, "990104", 2023, "urban_sewage_treatment_rate", "86", 1, "新厂投运")
    assert first.value == 86 and first.version == 2
    record = session.scalars(select(AuditRecord).where(AuditRecord.entity == "figure", AuditRecord.reason == "新厂投运")
                             ).one()
    assert record.user == "石门县填报员" and record.old == {"value": 82.0, "state": None}
    assert record.new == {"value": 86.0, "state": None}


def test_a_stale_edit_is_refused_and_nothing_is_overwritten(session: Session) -> None:
    with session.begin():
        set_figure(session, CLERK, "990104", 2023, "urban_sewage_treatment_rate", "86", 1)
    with pytest.raises(ConflictError) as caught, session.begin():
        set_figure(session, Actor("另一位填报员", "county", "990104"), "990104", 2023,
                   "urban_sewage_treatment_rate", "90", 1)
    assert "已被他人修改" in caught.value.message
    value = session.scalar(select(Observation.value).where(Observation.region == "990104", Observation.year == 2023,
                                                          Observation.metric == "urban_sewage_treatment_rate"))
    assert value == 86


def test_a_figure_is_validated_like_an_import(session: Session) -> None:
    with pytest.raises(InputError) as caught, session.begin():
        set_figure(session, CLERK, "990104", 2023, "urban_sewage_treatment_rate", "一百二", 1)
    assert "不是数字" in caught.value.message
    with pytest.raises(InputError), session.begin():
        set_figure(session, CLERK, "990104", 2023, "urban_sewage_treatment_rate", "120", 1)


def test_scope_follows_the_administrative_code(session: Session) -> None:
    with pytest.raises(ScopeError) as caught, session.begin():
        set_figure(session, CLERK, "990105", 2023, "urban_sewage_treatment_rate", "86", 1)
    assert "990104" in str(caught.value) and "990105" in str(caught.value)
    assert can("prefecture", "990100", "view", "990105").allowed
    assert not can("prefecture", "990100", "edit", "990105").allowed
    assert not can("prefecture", "990100", "view", "980105").allowed
    county_view = load_dataset(session, CLERK)
    assert county_view.regions["code"].to_list() == ["990104"]


def test_passwords_are_hashed_and_checked(session: Session) -> None:
    with session.begin():
        user = add_user(session, "clerk", "county", "990104", "correct horse")
    assert user.password_hash.startswith("$argon2") and "correct" not in user.password_hash
    assert check_password(session, "clerk", "correct horse") == Actor("clerk", "county", "990104")
    assert check_password(session, "clerk", "wrong password") is None


def test_sqlite_backup_and_restore(tmp_path: Path, sample: Dataset) -> None:
    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    db.upgrade(url)
    engine = db.engine_for(url)
    factory = db.session_factory(engine)
    with factory() as session, session.begin():
        import_dataset(session, sample, PROVINCE, "载入")
    db.backup(tmp_path / "copy.sqlite", url)
    with factory() as session, session.begin():
        set_figure(session, CLERK, "990104", 2023, "urban_sewage_treatment_rate", "86", 1)
    db.restore(tmp_path / "copy.sqlite", url)
    with factory() as session:
        value = session.scalar(select(Observation.value).where(
            Observation.region == "990104", Observation.year == 2023,
            Observation.metric == "urban_sewage_treatment_rate"))
    engine.dispose()
    assert value == 82


def test_importing_the_same_data_again_replaces_and_never_duplicates(session: Session, sample: Dataset) -> None:
    assert sample.incidents is not None and sample.answers is not None
    with session.begin():
        first = load_dataset(session, PROVINCE)
        audited = session.scalar(select(func.count()).select_from(AuditRecord))
    with session.begin():
        counts = import_dataset(session, sample, PROVINCE, "再次载入")
    with session.begin():
        again = load_dataset(session, PROVINCE)
        # nothing is written again: no version moves, no audit record says a change that did not happen
        assert session.scalar(select(func.count()).select_from(AuditRecord)) == audited
        assert set(session.scalars(select(Observation.version))) == {1}
    assert counts["observations"] == counts["answers"] == counts["incidents"] == 0 and counts["unchanged"] > 2000
    assert again.incidents is not None and again.incidents.height == sample.incidents.height
    assert again.answers is not None and again.answers.height == sample.answers.height
    assert again.observations.height == first.observations.height


def test_an_import_that_changes_figures_versions_and_audits_each(session: Session, sample: Dataset) -> None:
    """The set-wise write of a file's figures: a changed figure gets its new value, the next version and an
    audit record saying from what to what; the others are left as they were."""
    one = (pl.col("region") == "990104") & (pl.col("metric") == "urban_sewage_treatment_rate")
    changed = sample.observations.with_columns(value=pl.when(one).then(pl.col("value") + 1).otherwise("value"))
    expected = changed.filter(one).sort("year")
    with session.begin():
        counts = import_dataset(session, Dataset(sample.regions, changed, None), PROVINCE, "修正污水处理率")
    with session.begin():
        stored = session.execute(select(Observation.year, Observation.value, Observation.version).where(
            Observation.region == "990104", Observation.metric == "urban_sewage_treatment_rate")
            .order_by(Observation.year)).all()
        records = session.scalars(select(AuditRecord).where(AuditRecord.reason == "修正污水处理率")
                                  .order_by(AuditRecord.id)).all()
        versions = set(session.scalars(select(Observation.version).where(~(
            (Observation.region == "990104") & (Observation.metric == "urban_sewage_treatment_rate")))))
    assert [(y, v) for y, v, _ in stored] == list(zip(expected["year"], expected["value"], strict=True))
    assert {version for _, _, version in stored} == {2} and versions == {1}
    assert counts["observations"] == len(records) == expected.height
    assert [(r.key["year"], r.old["value"] + 1, r.new["value"]) for r in records] == \
        [(y, v, v) for y, v in zip(expected["year"], expected["value"], strict=True)]


@contextmanager
def another_writer(session: Session, database_url: str, moment: str, statement: str,
                   write: Executable) -> Iterator[list[bool]]:
    """``write`` committed on a second connection, once, at ``moment`` (a cursor event: before_cursor_execute or
    after_cursor_execute) of the session's first statement starting with ``statement``; yields whether it ran."""
    other = db.engine_for(database_url)
    ran: list[bool] = []

    def meanwhile(conn, cursor, sent, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if sent.startswith(statement) and not ran:
            ran.append(True)
            with other.begin() as writer:
                writer.execute(write)

    engine = session.get_bind()
    event.listen(engine, moment, meanwhile)
    try:
        yield ran
    finally:
        event.remove(engine, moment, meanwhile)
        other.dispose()


def _nothing_written(session: Session, reason: str) -> bool:
    audited = select(func.count()).select_from(AuditRecord).where(AuditRecord.reason == reason)
    return session.scalar(audited) == 0


def test_an_import_over_a_figure_edited_meanwhile_is_refused_whole(database_url: str, session: Session,
                                                                   sample: Dataset) -> None:
    """A clerk saves a figure after an import has read the store and before it writes: the import's
    compare-and-set UPDATE finds the version moved on, and the import writes nothing at all."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite 在导入开始写入时锁住整个数据库，填报员的保存只能等导入结束：此竞争只在 PostgreSQL 上发生")
    one = (Observation.region == "990104") & (Observation.metric == "urban_sewage_treatment_rate") \
        & (Observation.year == 2023)
    clerk_saves = update(Observation).where(one).values(value=77.0, version=Observation.version + 1)
    changed = sample.observations.with_columns(value=pl.col("value") + 1)
    with another_writer(session, database_url, "before_cursor_execute", "UPDATE observations", clerk_saves) as ran, \
            pytest.raises(ConflictError) as caught, session.begin():
        import_dataset(session, Dataset(sample.regions, changed, None), PROVINCE, "整体上调")
    assert ran and "本次导入未写入任何内容" in caught.value.message
    with session.begin():
        assert session.scalar(select(Observation.value).where(one)) == 77.0  # the clerk's, kept
        assert set(session.scalars(select(Observation.version).where(~one))) == {1}  # none of the import's
        assert _nothing_written(session, "整体上调")


def test_an_import_of_a_figure_another_writer_added_meanwhile_is_refused_whole(database_url: str, session: Session,
                                                                                sample: Dataset) -> None:
    """Two imports adding the same new figure: the one that writes second meets the other's row at the unique key
    and is refused as a conflict (not a server error), writing nothing."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite 在导入读取时即阻止其他写入者提交：此竞争只在 PostgreSQL 上发生")
    new_year = sample.observations.filter(pl.col("year") == 2023).with_columns(year=pl.lit(2024, dtype=pl.Int32))
    first = new_year.row(0, named=True)
    other_adds = insert(Observation).values(region=first["region"], year=2024, metric=first["metric"], value=1.0,
                                            version=1)
    with another_writer(session, database_url, "after_cursor_execute", "SELECT observations.id", other_adds) as ran, \
            pytest.raises(ConflictError) as caught, session.begin():
        import_dataset(session, Dataset(sample.regions, new_year, None), PROVINCE, "补录2024")
    assert ran and "本次导入未写入任何内容" in caught.value.message
    with session.begin():
        assert list(session.scalars(select(Observation.value).where(Observation.year == 2024))) == [1.0]
        assert _nothing_written(session, "补录2024")


def test_a_dataset_repeating_a_figure_is_refused_before_anything_is_written(session: Session,
                                                                           sample: Dataset) -> None:
    before = _count(session)
    session.rollback()
    repeated = pl.concat([sample.observations, sample.observations.tail(1).with_columns(value=pl.lit(1.0))])
    with pytest.raises(InputError) as caught, session.begin():
        import_dataset(session, Dataset(sample.regions, repeated, None), PROVINCE, "重复")
    assert "出现多次" in caught.value.message
    assert _count(session) == before


def test_a_county_reads_only_its_own_answers_and_incidents(session: Session, sample: Dataset) -> None:
    mine = load_dataset(session, CLERK, region="990104")
    assert mine.answers is not None and set(mine.answers["region"]) <= {"990104"}
    with pytest.raises(ScopeError):
        load_dataset(session, CLERK, region="990105")


def test_uploads_never_confirmed_are_dropped_after_a_day(session: Session) -> None:
    import datetime as dt

    from ecozone.store.models import StoredFile
    from ecozone.store.repository import save_file

    with session.begin():
        old = save_file(session, CLERK, "upload", "990104", "旧.xlsx", b"PK old", None)
        done = save_file(session, CLERK, "upload", "990104", "已载入.xlsx", b"PK done", None)
        recent = save_file(session, CLERK, "upload", "990104", "刚传.xlsx", b"PK recent", None)
        two_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
        old.uploaded_at = done.uploaded_at = two_days_ago
        done.imported_at = two_days_ago
    ids = (old.id, done.id, recent.id)
    with session.begin():
        save_file(session, CLERK, "upload", "990104", "新.xlsx", b"PK new", None)
    kept = set(session.scalars(select(StoredFile.id).where(StoredFile.id.in_(ids))))
    assert kept == {done.id, recent.id}


def test_a_file_that_leaves_a_field_blank_keeps_the_stored_one(session: Session, sample: Dataset) -> None:
    """A workbook has no 数据来源 for the targets and a blank 文号 for an answer: the stored ones stay."""
    from ecozone.store.models import Answer, AssignedTarget

    assert sample.answers is not None and sample.assigned is not None
    given = sample.answers.filter(pl.col("document").is_not_null()).head(1)
    region, condition, document = given.row(0, named=True)["region"], given["condition"][0], given["document"][0]
    bare = Dataset(sample.regions, sample.observations.with_columns(source=pl.lit(None, pl.String)),
                   sample.assigned.with_columns(source=pl.lit(None, pl.String)),
                   sample.answers.with_columns(document=pl.lit(None, pl.String)))

    def sources() -> tuple[dict[int, str | None], dict[int, str | None]]:
        return ({o.id: o.source for o in session.scalars(select(Observation))},
                {t.id: t.source for t in session.scalars(select(AssignedTarget))})

    with session.begin():
        before = sources()
        import_dataset(session, bare, PROVINCE, "无来源的再次载入")
    with session.begin():
        answer = session.scalar(select(Answer).where(Answer.region == region, Answer.condition == condition))
        assert answer is not None and answer.document == document and answer.version == 1
        assert sources() == before and any(before[0].values())


def test_an_incident_is_removed_only_by_a_row_marked_for_removal(session: Session, sample: Dataset,
                                                                tmp_path: Path) -> None:
    """incidents.csv lists 云溪县's stored incident with remove = 是 and a new one for 石门县; the third
    stored incident, not mentioned, stays."""
    from ecozone.io.answers import read_incidents
    from ecozone.store.models import Incident

    csv = tmp_path / "incidents.csv"
    csv.write_text("region,date,grade,name,document,remove\n"
                   "990102,2022-07-15,Ⅱ,示例河化工厂泄漏事件（虚构）,,是\n"
                   "990104,2024-02-02,Ⅳ,新登记事件,,\n", encoding="utf-8")
    listed, removed = read_incidents(csv)
    assert listed.height == 1 and removed.height == 1
    with session.begin():
        counts = import_dataset(session, Dataset(sample.regions, sample.observations.head(0), incidents=listed,
                                                 incidents_removed=removed), PROVINCE, "删除一起事件")
    assert (counts["incidents"], counts["incidents_removed"]) == (1, 1)
    with session.begin():
        stored = sorted((i.region, str(i.date)) for i in session.scalars(select(Incident)))
        deleted = [r for r in session.scalars(select(AuditRecord).where(AuditRecord.reason == "删除一起事件"))
                   if r.new is None]
    assert stored == [("990101", "2018-04-02"), ("990104", "2023-09-09"), ("990104", "2024-02-02")]
    assert len(deleted) == 1 and deleted[0].old is not None and deleted[0].old["name"] == "示例河化工厂泄漏事件（虚构）"
    bad = tmp_path / "bad.csv"
    bad.write_text("region,date,grade,name,document,remove\n990102,2022-07-15,Ⅱ,x,,删\n", encoding="utf-8")
    with pytest.raises(InputError, match="删除"):
        read_incidents(bad)
