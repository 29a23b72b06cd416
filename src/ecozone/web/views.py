"""What the pages show, computed from the store through the public API — never a rule of their own.

``region_view`` answers "how does this county stand, and what do I still have to fill in";
``board_view`` answers "how do my counties stand, what do they share, who applies when".
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import polars as pl
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ecozone import api
from ecozone.catalogue import LoadedStandard
from ecozone.dataset import Dataset
from ecozone.engine.plan_rows import figure_plan
from ecozone.engine.selfcheck import SelfCheck
from ecozone.evaluation import Evaluation, evaluate
from ecozone.reports.results_json import evaluation_to_dict
from ecozone.store import workflow
from ecozone.store.models import Submission
from ecozone.store.named import standings_in_scope
from ecozone.store.permissions import scope_prefix
from ecozone.store.repository import Actor, evaluable_dataset, figure_versions, revision, years_with_data
from ecozone.vocabulary import STATUS, TREND_CLASS

__all__ = ["BoardView", "RegionView", "board_view", "region_view", "years_for"]

T = TypeVar("T")
STATUS_ORDER = STATUS.codes


@dataclass
class RegionView:
    code: str
    name: str
    dataset: Dataset
    checked: SelfCheck | None
    evaluation: Evaluation | None = None
    region: dict[str, Any] | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    charts: dict[str, Any] = field(default_factory=dict)
    grid: list[dict[str, Any]] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    checklist: list[dict[str, Any]] = field(default_factory=list)
    submission: Submission | None = None
    _document: dict[str, Any] | None = None

    def document(self) -> dict[str, Any]:
        """The evaluation's JSON document, made once per cached view (the API serves it as it is)."""
        assert self.evaluation is not None
        if self._document is None:
            self._document = evaluation_to_dict(self.evaluation)
        return self._document


def years_for(dataset: Dataset, standard: LoadedStandard) -> list[int]:
    """Columns of the entry grid: the years with data, widened to the trend window before the newest."""
    present = sorted(set(dataset.observations["year"].to_list()))
    last = present[-1] if present else dt.date.today().year - 1
    span = max(standard.standard.parameters.trend_window, 5)
    first = min([*present, last - span + 1])
    return list(range(first, last + 1))


class _Cache:
    """Views by (what, whose, rules, data revision): computed once per change, then served as they are.

    The key holds the store's revision (the newest audit id and the restore epoch), so an entry can never
    be served after its data changed; old entries just age out. Each worker process has its own.
    Requests that miss the same key together wait for one computation (single flight): after a write, a
    board that 20 readers ask for is evaluated once, not 20 times.
    """

    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self._making: dict[tuple[Any, ...], threading.Lock] = {}

    def get(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    found: T = self._items[key]
                    return found
                flight = self._making.get(key)
                if flight is None:
                    flight = self._making[key] = threading.Lock()
                    flight.acquire()
                    break
            with flight:  # another request is making it: wait, then read what it made (or make it, if it failed)
                pass
        try:
            made = make()
            with self._lock:
                self._items[key] = made
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
            return made
        finally:
            with self._lock:
                del self._making[key]
            flight.release()


_views = _Cache()


def _database(session: Session) -> str:
    """Which database a view came from: one process may serve (or test) more than one."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return engine.url.render_as_string(hide_password=True)


def _store_years(session: Session) -> tuple[int, ...]:
    """The store's years with data, read again only when anything in the store changed."""
    key = ("years", _database(session), revision(session))
    return _views.get(key, lambda: tuple(years_with_data(session)))


def region_view(session: Session, actor: Actor, standard: LoadedStandard, code: str) -> RegionView | None:
    """One region: verdict, indicator rows with trends and charts, the entry grid, the self-check."""
    actor.require("view", code)
    years = _store_years(session)  # a new year anywhere moves the judged year of every page
    key = ("region", _database(session), code, standard.hash, revision(session, code), years)
    return _views.get(key, lambda: _region_view(session, actor, standard, code, list(years)))


def _region_view(session: Session, actor: Actor, standard: LoadedStandard, code: str,
                 years: list[int]) -> RegionView | None:
    dataset = evaluable_dataset(session, actor, standard, region=code)
    if dataset.regions.height == 0:
        return None
    name = dataset.regions["name"][0]
    view = RegionView(code, name, dataset, None, submission=workflow.latest(session, code))
    view.years = years_for(dataset, standard)
    view.grid = _grid(session, actor, standard, dataset, code)
    if dataset.observations.height == 0:
        return view
    # a county in the store always has its questionnaire; the year is the store's, as on the board
    evaluation = evaluate(standard, dataset, vetoes=True, years=years)
    checked = evaluation.checked
    assert checked is not None
    view.evaluation = evaluation
    view.checked = checked
    view.region = evaluation.region(code)
    outlook = evaluation.outlook
    trends = (
        outlook.units.filter(pl.col("trend_class").is_not_null())
        .group_by("indicator_id", maintain_order=True)
        .agg(trend=pl.col("trend_class").replace_strict(TREND_CLASS).unique(maintain_order=True).str.join("、"))
    )
    view.rows = evaluation.indicators.join(trends, on="indicator_id", how="left").to_dicts()
    view.charts = _charts(outlook.units, dataset.observations, standard)
    view.checklist = checked.checklist.sort("order").to_dicts()
    return view


def _grid(
    session: Session, actor: Actor, standard: LoadedStandard, dataset: Dataset, code: str
) -> list[dict[str, Any]]:
    """One row per figure the region must report, with each year's stored value and version."""
    cells_of: dict[str, dict[int, dict[str, Any]]] = {}
    for (metric_id, year), figure in figure_versions(session, actor, code).items():
        shown = figure.state if figure.value is None else _num(figure.value)
        cells_of.setdefault(metric_id, {})[year] = {"text": shown or "", "version": figure.version}
    rows = []
    for row in figure_plan(standard, dataset.regions).iter_rows(named=True):
        metric = standard.metric(row["metric"])
        cells = cells_of.get(row["metric"], {})
        rows.append({
            "unit_id": row["unit_id"], "name": row["unit_name"], "metric": row["metric"], "metric_name": metric.name,
            "unit": metric.unit, "kind": metric.kind, "states": list(metric.states),
            "target": row["target_display"] or row["target_text"], "cells": cells,
        })
    return rows


def _num(value: float) -> str:
    return f"{value:.6g}"


def _charts(units: pl.DataFrame, observations: pl.DataFrame, standard: LoadedStandard) -> dict[str, Any]:
    """Per indicator: its figures year by year and the target, for a line chart."""
    numeric = units.filter(pl.col("metric").is_not_null() & pl.col("value").is_not_null())
    charts: dict[str, Any] = {}
    for row in numeric.iter_rows(named=True):
        series = observations.filter(pl.col("metric") == row["metric"], pl.col("value").is_not_null()).sort("year")
        if series.height == 0:
            continue
        chart = charts.setdefault(row["indicator_id"], {"unit": row["unit"], "series": []})
        chart["series"].append({
            "name": standard.metric(row["metric"]).name,
            "years": series["year"].to_list(),
            "values": series["value"].to_list(),
            "target": row["target_value"],
        })
    return charts


@dataclass
class BoardView:
    regions: list[dict[str, Any]] = field(default_factory=list)
    heatmap: dict[str, Any] = field(default_factory=dict)
    shared: list[dict[str, Any]] = field(default_factory=list)
    plan: list[dict[str, Any]] = field(default_factory=list)
    weak: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    watch: dict[str, int] = field(default_factory=dict)
    tiles: list[dict[str, Any]] = field(default_factory=list)
    year: int | None = None
    evaluation: Evaluation | None = None
    _plans: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    def plan_with(self, cap: int | None) -> list[dict[str, Any]]:
        """The phased plan; with ``cap``, at most that many regions a year (the overflow moves on)."""
        if cap is None or self.evaluation is None:
            return self.plan
        if cap not in self._plans:
            self._plans[cap] = self.evaluation.replan(cap=cap).to_dicts()
        return self._plans[cap]


def board_view(session: Session, actor: Actor, standard: LoadedStandard) -> BoardView:
    """Every region in the actor's scope: verdicts, a status heatmap, shared weak points, the plan."""
    key = ("board", _database(session), scope_prefix(actor.role, actor.region), standard.hash, revision(session))
    return _views.get(key, lambda: _board_view(session, actor, standard))


def named_view(session: Session, actor: Actor, standard: LoadedStandard, region: str | None = None
               ) -> api.Monitoring | None:
    """The named places' standings and timelines of the scope (or one region), computed once per data revision
    and day (a year's evaluation per year since naming is too much for every page view)."""
    key = ("named", _database(session), actor.role, actor.region, region, standard.hash, revision(session),
           dt.date.today())
    return _views.get(key, lambda: standings_in_scope(session, actor, standard, region))


def _board_view(session: Session, actor: Actor, standard: LoadedStandard) -> BoardView:
    dataset = evaluable_dataset(session, actor, standard)
    board = BoardView()
    if dataset.regions.height == 0 or dataset.observations.height == 0:
        return board
    evaluation = evaluate(standard, dataset, vetoes=True, years=list(_store_years(session)))
    statuses = _statuses(session, scope_prefix(actor.role, actor.region))
    board.evaluation = evaluation
    board.year = evaluation.year
    board.regions = []
    for row in evaluation.regions.to_dicts():
        status, then = statuses.get(row["region"], (None, None))
        board.regions.append({**row, "submission": status, "verdict_then": then})
    board.shared = evaluation.shared_weak_points.to_dicts()
    board.plan = evaluation.plan.to_dicts()
    board.heatmap = _heatmap(evaluation.indicators, evaluation.regions)
    weak = evaluation.outlook.weak_points
    # 「达标但余量小」 is the report's 需关注 list, not a weak point: counted here, listed in the report
    board.watch = dict(weak.filter(pl.col("weak_class") == "risk_margin").group_by("region").len().iter_rows())
    units = evaluation.outlook.units.select("region", "unit_id", pl.col("unit").replace("-", None))
    for row in weak.filter(pl.col("weak_class") != "risk_margin").join(units, on=["region", "unit_id"], how="left") \
            .iter_rows(named=True):
        board.weak.setdefault(row["region"], []).append(row)
    board.tiles = _tiles(evaluation.regions)
    return board


def _tiles(regions: pl.DataFrame) -> list[dict[str, Any]]:
    """A tile map: one square per region in code order, rows as near square as the count allows — a
    schematic that needs no boundaries (and so no 审图号); the real map needs the user's GeoJSON."""
    codes = regions["region"].to_list()
    columns = max(1, math.ceil(math.sqrt(len(codes))))
    return [{"region": code, "name": name, "verdict": verdict, "x": i % columns, "y": i // columns}
            for i, (code, name, verdict) in enumerate(regions.select("region", "name", "verdict").iter_rows())]


def _statuses(session: Session, prefix: str) -> dict[str, tuple[str, str | None]]:
    """The latest submission of every region under ``prefix``: its status and the verdict its snapshot froze
    (read inside the database, not by loading every snapshot)."""
    then = Submission.snapshot["result"]["regions"][0]["verdict"].as_string()
    rows = session.execute(
        select(Submission.region, Submission.status, then).where(Submission.region.startswith(prefix))
        .order_by(Submission.id)
    ).all()
    return {region: (status, verdict) for region, status, verdict in rows}  # later rows win: the latest


def _heatmap(indicators: pl.DataFrame, regions: pl.DataFrame) -> dict[str, Any]:
    """Regions × indicators, each cell the index of its status in STATUS_ORDER (ECharts heatmap data), with
    the indicator's name for the column and the engine's own sentence on the cell for its tooltip."""
    columns = indicators.select("indicator_id", "number", "name").unique("indicator_id", maintain_order=True)
    ids = columns["indicator_id"].to_list()
    codes = regions["region"].to_list()
    at = {code: i for i, code in enumerate(codes)}
    col = {ind: i for i, ind in enumerate(ids)}
    cells = [
        {"value": [col[r["indicator_id"]], at[r["region"]], STATUS_ORDER.index(r["status"])],
         "said": r["explanation"] or ""}
        for r in indicators.select("region", "indicator_id", "status", "explanation").iter_rows(named=True)
    ]
    return {
        "x": [str(n) for n in columns["number"].to_list()],
        "names": columns["name"].to_list(),
        "y": [f"{n}（{c}）" for c, n in zip(codes, regions["name"].to_list(), strict=True)],
        "cells": cells,
        "statuses": list(STATUS_ORDER),
    }

