"""A peer for `ecozone batch`: the same judgement written by hand as one DuckDB query, Parquet in → Parquet out.

    python -m benchmarks.peer_duckdb PANEL_FOLDER OUT.parquet [--standard mee-2019] [--year 2023]

What a competent analyst would write instead of ecozone: the pack's rules flattened in Python into a table of leaves
(metric, kind, comparison, the target per class of place as a SQL CASE), then one query that reads the panel's
Parquet files, judges every leaf of every region (thresholds with their variants, states, assigned targets, trends
by the window's slope as ecozone defines them, changes), folds leaves into indicators (all: worst first; any: best
first) and regions into verdicts, and writes the indicator rows. It has no explanations, no validation of the
figures, no outlier review (ecozone's 待核实), no code changes followed: it is the floor of a real command, not a
replacement. `benchmarks/compare.py` runs it beside the batch and reports how often the two agree.
Needs the "bench" extra (duckdb); never part of the test run.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import duckdb

from ecozone.catalogue import load_metrics, load_standard
from ecozone.catalogue.model import AllOf, AnyOf, CaseOf, Threshold, When

FLAGS = ("coastal", "arid", "plateau", "grassland", "contaminated_farmland", "rural_black_odorous_water")


def condition(when: When) -> str:
    """A pack condition as SQL over the regions table."""
    parts = []
    for key, value in when.model_dump(exclude_none=True).items():
        parts.append(f"r.{key}" if value is True else f"NOT r.{key}" if value is False else f"r.{key} = '{value}'")
    return " AND ".join(parts) or "TRUE"


def leaves(standard_id: str) -> list[dict[str, Any]]:
    """Every leaf of the pack: unit, the path of all/any above it, the condition it applies under, its rule."""
    loaded = load_standard(standard_id)
    metrics = load_metrics()
    found: list[dict[str, Any]] = []

    def walk(indicator: Any, unit: str, criterion: Any, path: str, guard: str) -> None:
        if isinstance(criterion, AllOf | AnyOf):
            mode = "all" if isinstance(criterion, AllOf) else "any"
            for k, child in enumerate(criterion.of):
                walk(indicator, unit, child, f"{path}{mode}{k}.", guard)
            return
        if isinstance(criterion, CaseOf):
            taken = []
            for case in criterion.cases:
                here = condition(case.when)
                walk(indicator, unit, case.then, path, f"({guard}) AND ({here})"
                     + "".join(f" AND NOT ({t})" for t in taken))
                taken.append(here)
            return
        metric = metrics[criterion.metric]
        sign = 1 if metric.direction != "lower" else -1
        leaf: dict[str, Any] = {"indicator": indicator.id, "unit": unit, "path": path, "guard": guard,
                                "kind": criterion.kind, "metric": criterion.metric, "sign": sign,
                                "gates": indicator.attribute != "reference"}
        if isinstance(criterion, Threshold):
            variants = criterion.variants()
            target = "CASE " + " ".join(f"WHEN {condition(t.when)} THEN {t.value}" for t in variants) + " END"
            leaf |= {"op": criterion.op, "target": target}
        elif criterion.kind == "state":
            leaf |= {"accept": list(criterion.accept)}
        elif criterion.kind == "assigned":
            leaf |= {"op": criterion.op or (">=" if sign == 1 else "<=")}
        elif criterion.kind == "trend":
            leaf |= {"rule": criterion.rule}
        else:
            leaf |= {"op": criterion.op, "delta": criterion.value}
        found.append(leaf)

    for indicator in loaded.standard.indicators:
        applies = " OR ".join(f"r.level = '{level}'" for level in indicator.applies_to.levels)
        guard = f"({applies})" + "".join(f" AND r.{flag}" for flag in indicator.applies_to.requires)
        units = [(indicator.id, indicator.criterion)] if indicator.criterion else \
            [(item.id, item.criterion) for item in indicator.items]
        for unit, criterion in units:
            walk(indicator, unit, criterion, "", guard)
    return found


def leaf_sql(leaf: dict[str, Any], n: int, year: int, window: int, tolerance: float) -> str:
    value, base = f"f{n}.v", f"f{n}.b"
    kind, sign = leaf["kind"], leaf["sign"]
    if kind == "state":
        accepted = ", ".join(f"'{a}'" for a in leaf["accept"])
        ok, missing = f"f{n}.t IN ({accepted})", f"f{n}.t IS NULL"
    elif kind == "threshold":
        ok, missing = f"{value} {leaf['op']} ({leaf['target']})", f"{value} IS NULL OR ({leaf['target']}) IS NULL"
    elif kind == "assigned":
        ok, missing = f"{value} {leaf['op']} a{n}.target", f"{value} IS NULL OR a{n}.target IS NULL"
    elif kind == "trend":
        change = f"round({sign} * f{n}.slope / abs(f{n}.mean) * 100, 6)"
        stable = f"CASE WHEN f{n}.mean = 0 THEN {sign} * f{n}.slope >= 0 ELSE {change} >= -{tolerance} END"
        ok = {"not_worse": f"round({sign} * ({value} - {base}), 6) >= 0", "stable_or_better": stable,
              "better": f"{sign} * f{n}.slope > 0"}[leaf["rule"]]
        missing = f"{value} IS NULL OR {base} IS NULL OR f{n}.slope IS NULL"
    else:
        ok, missing = f"round({value} - {base}, 6) {leaf['op']} {leaf['delta']}", f"{value} IS NULL OR {base} IS NULL"
    return f"""
    SELECT r.code AS region, '{leaf['indicator']}' AS indicator, '{leaf['unit']}' AS unit, '{leaf['path']}' AS path,
           {str(leaf['gates']).upper()} AS gates,
           CASE WHEN NOT ({leaf['guard']}) THEN 'not_applicable' WHEN {missing} THEN 'missing'
                WHEN {ok} THEN 'met' ELSE 'not_met' END AS status
    FROM regions r
    LEFT JOIN series f{n} ON f{n}.region = r.code AND f{n}.metric = '{leaf['metric']}'
    {f"LEFT JOIN assigned a{n} ON a{n}.region = r.code AND a{n}.metric = '{leaf['metric']}' AND a{n}.year = {year}"
     if kind == 'assigned' else ''}"""


def judge(panel: Path, output: Path, standard_id: str, year: int) -> None:
    loaded = load_standard(standard_id)
    params = loaded.standard.parameters
    window = params.trend_window
    flat = leaves(standard_id)
    con = duckdb.connect()
    con.execute(f"CREATE VIEW regions AS SELECT * FROM read_parquet('{panel / 'regions.parquet'}')")
    con.execute(f"CREATE VIEW assigned AS SELECT * FROM read_parquet('{panel / 'assigned.parquet'}')")
    # each figure read and cast once: the judged year's value and text, the base year's value, the window's slope
    con.execute(f"""
        CREATE TEMP TABLE series AS
        SELECT region, metric,
               max(CASE WHEN year = {year} THEN TRY_CAST(value AS DOUBLE) END) AS v,
               max(CASE WHEN year = {year} THEN value END) AS t,
               max(CASE WHEN year = {year - window + 1} THEN TRY_CAST(value AS DOUBLE) END) AS b,
               CASE WHEN count(TRY_CAST(value AS DOUBLE)) >= 2
                    THEN regr_slope(TRY_CAST(value AS DOUBLE), year) END AS slope,
               avg(TRY_CAST(value AS DOUBLE)) AS mean
        FROM read_parquet('{panel / 'observations.parquet'}')
        WHERE year BETWEEN {year - window + 1} AND {year}
        GROUP BY region, metric""")
    judged = " UNION ALL ".join(leaf_sql(leaf, n, year, window, params.stable_tolerance)
                                for n, leaf in enumerate(flat))
    worst = "CASE {0} WHEN 'not_met' THEN 0 WHEN 'missing' THEN 2 WHEN 'met' THEN 3 ELSE 4 END"
    best = "CASE {0} WHEN 'met' THEN 0 WHEN 'missing' THEN 2 WHEN 'not_met' THEN 3 ELSE 4 END"
    order = "['not_met', 'needs_review', 'missing', 'met', 'not_applicable']"
    order_best = "['met', 'needs_review', 'missing', 'not_met', 'not_applicable']"
    con.execute(f"""
        COPY (
        WITH leaves AS ({judged}),
        applicable AS (SELECT * FROM leaves WHERE status <> 'not_applicable'),
        -- a leaf under an 'any' counts by the best of its siblings, the rest by the worst
        grouped AS (
            SELECT region, indicator, unit, gates,
                   CASE WHEN path LIKE '%any%' THEN regexp_extract(path, '^(.*any)\\d+\\.', 1) ELSE path END AS node,
                   CASE WHEN bool_or(path LIKE '%any%')
                        THEN {order_best}[min({best.format('status')}) + 1]
                        ELSE {order}[min({worst.format('status')}) + 1] END AS status
            FROM applicable GROUP BY ALL),
        units AS (SELECT region, indicator, unit, any_value(gates) AS gates,
                         {order}[min({worst.format('status')}) + 1] AS status FROM grouped GROUP BY ALL),
        indicators AS (SELECT region, indicator, any_value(gates) AS gates,
                              {order}[min({worst.format('status')}) + 1] AS status FROM units GROUP BY ALL),
        everything AS (SELECT r.code AS region, l.indicator, l.gates,
                              coalesce(i.status, 'not_applicable') AS status
                       FROM regions r CROSS JOIN (SELECT DISTINCT indicator, gates FROM leaves) l
                       LEFT JOIN indicators i ON i.region = r.code AND i.indicator = l.indicator),
        verdicts AS (SELECT region,
                            CASE WHEN bool_or(gates AND status = 'missing') THEN 'incomplete'
                                 WHEN bool_or(gates AND status = 'not_met') THEN 'not_ready'
                                 ELSE 'ready' END AS verdict
                     FROM everything GROUP BY region)
        SELECT e.region, e.indicator AS indicator_id, e.status, v.verdict
        FROM everything e JOIN verdicts v USING (region)
        ) TO '{output}' (FORMAT parquet)""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("panel", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--standard", default="mee-2019")
    parser.add_argument("--year", type=int, default=2023)
    args = parser.parse_args()
    judge(args.panel, args.output, args.standard, args.year)


if __name__ == "__main__":
    main()
