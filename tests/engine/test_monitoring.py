"""Standings after naming, from yearly monitor verdicts: a warning gets a deadline; warned again within it the place
is 限期整改; warned after it, 撤销; a revocation case is 撤销 at once; a clean year after a warning closes it; an
incomplete year decides nothing but is said."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from ecozone.catalogue.regimes import load_regimes
from ecozone.engine.monitoring import standings

NAMED = pl.DataFrame([{"region": "990101", "title": "示范区", "batch": "第五批", "named_on": dt.date(2021, 10, 11),
                       "document": None, "source": "测试"}],
                     schema={"region": pl.String, "title": pl.String, "batch": pl.String, "named_on": pl.Date,
                             "document": pl.String, "source": pl.String})


def yearly(*verdicts: str) -> pl.DataFrame:
    return pl.DataFrame([{"region": "990101", "year": 2021 + n, "verdict": v, "reason": f"{2021 + n} 年的理由"}
                         for n, v in enumerate(verdicts)], schema={"region": pl.String, "year": pl.Int32,
                                                                   "verdict": pl.String, "reason": pl.String})


@pytest.mark.parametrize(("verdicts", "standing", "deadline", "last_event"), [
    (("keep", "keep"), "normal", None, "2022 年自评：正常"),
    (("keep", "warning"), "warning", dt.date(2023, 12, 31), "2022 年自评：警告（黄牌）"),
    (("warning", "warning"), "rectifying", dt.date(2022, 12, 31), "2022 年自评：限期整改中"),
    (("warning", "warning", "warning"), "revoked", dt.date(2022, 12, 31), "2023 年自评：整改期满未整改到位（红牌）"),
    (("warning", "keep"), "normal", None, "2022 年自评：整改完成"),
    (("keep", "revocation"), "revoked", None, "2022 年自评：撤销情形"),
    (("warning", "incomplete"), "warning", dt.date(2022, 12, 31), "2022 年自评：资料不全"),
])
def test_standings_follow_the_years(verdicts: tuple[str, ...], standing: str, deadline: dt.date | None,
                                    last_event: str) -> None:
    current, timeline = standings(NAMED, yearly(*verdicts), load_regimes().monitoring, dt.date(2026, 12, 5))
    row = current.row(0, named=True)
    assert (row["standing"], row["deadline"]) == (standing, deadline)
    events = timeline["event"].to_list()
    assert events[0] == "命名" and events[-1] == "复核评估（预计）"
    assert events[-2] == last_event
    assert timeline["on"][-1] == dt.date(2027, 10, 11)  # six years after naming, then every three (SEC)


@pytest.mark.parametrize(("today", "review"), [
    (dt.date(2027, 10, 10), dt.date(2027, 10, 11)),  # the sixth anniversary ahead
    (dt.date(2027, 10, 11), dt.date(2027, 10, 11)),  # due today: still this one
    (dt.date(2027, 10, 12), dt.date(2030, 10, 11)),  # a day later: the next cycle, not a date already past
    (dt.date(2019, 1, 1), dt.date(2027, 10, 11)),  # before the naming year itself
])
def test_the_next_review_is_never_in_the_past(today: dt.date, review: dt.date) -> None:
    current, _ = standings(NAMED, yearly("keep"), load_regimes().monitoring, today)
    assert current["next_review"][0] == review


@pytest.mark.parametrize(("verdicts", "due", "what"), [
    (("keep",), dt.date(2027, 10, 11), "复核评估（预计）"),
    (("keep", "warning"), dt.date(2023, 12, 31), "整改期限"),  # the deadline comes before the 复核
    (("warning", "warning"), dt.date(2022, 12, 31), "整改期限"),
    (("keep", "revocation"), None, None),  # a revoked title has nothing due
])
def test_what_falls_due_next(verdicts: tuple[str, ...], due: dt.date | None, what: str | None) -> None:
    current, _ = standings(NAMED, yearly(*verdicts), load_regimes().monitoring, dt.date(2023, 6, 1))
    assert (current["next_due"][0], current["next_due_what"][0]) == (due, what)
