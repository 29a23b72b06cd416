"""Golden self-check cases (tests/cases/selfcheck/*.yaml): gate order, windows, derived vetoes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml

from ecozone import load_standard
from ecozone.catalogue.vetoes import load_veto_catalogue
from ecozone.dataset import Dataset
from ecozone.engine import assess
from ecozone.engine.selfcheck import ANSWER_SCHEMA, selfcheck
from ecozone.errors import UsageError
from ecozone.io.answers import incidents_frame, normalise_answer, split_removed
from tests.conftest import assigned_frame, observation_frame, profile_frame
from tests.engine.test_golden import CODE, _deleted, _from_sample, _overlay

CASES = Path(__file__).resolve().parents[1] / "cases" / "selfcheck"


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        params += [pytest.param(doc["standard"], case, id=f"{path.stem}: {case['name']}") for case in doc["cases"]]
    return params


def _answers(case: dict[str, Any], conditions: list[str]) -> pl.DataFrame:
    given = case.get("answers", {})
    rows = []
    for condition in [*conditions, *(c for c in given if c not in conditions)]:
        if condition in case.get("unanswered", []):
            continue
        if condition == "major_incident" and case.get("incidents") and condition not in given:
            continue  # the incident list answers it
        value = given.get(condition, "否")
        fields = value if isinstance(value, dict) else {"answer": value}
        rows.append({"region": CODE, "condition": condition, "answer": normalise_answer(fields["answer"]),
                     "document": "测试", "date": None, "note": None, "file": None,
                     "override_reason": fields.get("override_reason")})
    return pl.DataFrame(rows, schema=ANSWER_SCHEMA)


@pytest.mark.parametrize(("standard_id", "case"), _cases())
def test_selfcheck_case(standard_id: str, case: dict[str, Any], sample: Dataset) -> None:
    standard = load_standard(standard_id)
    catalogue = load_veto_catalogue(standard.standard.veto_catalogue or "")
    profile, obs, given = _from_sample(sample, case["from_sample"])
    figures = case.get("figures", {})
    obs = _overlay(obs, observation_frame({CODE: figures}), ["region", "year", "metric"])
    obs = obs.join(_deleted(figures), on=["metric", "year"], how="anti")
    given = _overlay(given, assigned_frame({CODE: case.get("assigned", {})}), ["region", "year", "metric"])
    assessment = assess(standard, profile_frame([profile]), obs, 2023, given)
    questions = [c.id for c in catalogue.conditions if c.answered_by != "derived"]
    incidents, _ = split_removed(incidents_frame([{"region": CODE, **i} for i in case.get("incidents", [])],
                                                 [None] * len(case.get("incidents", []))))  # type: ignore[list-item]
    as_of = dt.date.fromisoformat(str(case["as_of"])) if "as_of" in case else None
    expect = case["expect"]
    run = lambda: selfcheck(assessment, catalogue, obs, _answers(case, questions), incidents,  # noqa: E731
                            as_of=as_of, mode=case.get("mode", "apply"))
    if "refused" in expect:
        with pytest.raises(UsageError) as caught:
            run()
        assert expect["refused"] in caught.value.message
        return
    result = run()
    region = result.regions.row(0, named=True)
    checklist = {row["condition"]: row for row in result.checklist.iter_rows(named=True)}
    if "verdict" in expect:
        assert region["verdict"] == expect["verdict"], region["reasons"]
    if "verdict_not" in expect:
        assert region["verdict"] != expect["verdict_not"], region["reasons"]
    if "indicator_verdict" in expect:
        assert region["indicator_verdict"] == expect["indicator_verdict"]
    for condition, answer in expect.get("answers", {}).items():
        answer = {True: "yes", False: "no"}.get(answer, answer)  # YAML 1.1 reads yes/no as booleans
        assert checklist[condition]["answer"] == answer, checklist[condition]
    for condition in expect.get("derived", []):
        assert checklist[condition]["derived"] is True
    for condition in expect.get("overridden", []):
        assert checklist[condition]["overridden"] is True and checklist[condition]["override_reason"]
    codes = [r["code"] for r in region["reasons"]]
    for code in expect.get("reasons", []):
        assert code in codes, region["reasons"]
    if "reasons" in expect:  # listed reasons keep the gate order
        positions = [codes.index(c) for c in expect["reasons"]]
        assert positions == sorted(positions)
