"""Shared helpers: build small datasets the way a user's files would describe them."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from ecozone.catalogue import load_metrics
from ecozone.dataset import Dataset
from ecozone.io.tables import read_dataset
from ecozone.regions.profile import FLAGS
from tests.databases import database_url, postgres_admin_url  # noqa: F401  (fixtures for every test folder)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "shizhou"
FIXTURES = Path(__file__).parent / "fixtures"


def profile_frame(regions: list[Mapping[str, Any]]) -> pl.DataFrame:
    """Region profiles with the register's defaults: flags false, optional fields empty."""
    rows = []
    for i, region in enumerate(regions):
        row: dict[str, Any] = {
            "code": region.get("code", f"99{i + 1:04d}"),
            "name": region.get("name", f"测试地区{i + 1}"),
            "level": region.get("level", "县"),
            "parent": region.get("parent"),
            "terrain": region.get("terrain"),
            "zone": region.get("zone"),
            "city_size": region.get("city_size"),
        }
        for flag in FLAGS:
            row[flag] = bool(region.get(flag, False))
        rows.append(row)
    schema = {"code": pl.String, "name": pl.String, "level": pl.String, "parent": pl.String,
              "terrain": pl.String, "zone": pl.String, "city_size": pl.String,
              **{flag: pl.Boolean for flag in FLAGS}}
    return pl.DataFrame(rows, schema=schema)


def observation_frame(figures: Mapping[str, Mapping[str, Mapping[int, Any]]]) -> pl.DataFrame:
    """``{region: {metric: {year: value}}}`` → the engine's observation table."""
    metrics = load_metrics()
    rows = []
    for region, by_metric in figures.items():
        for metric, by_year in by_metric.items():
            for year, value in by_year.items():
                if value is None:
                    continue
                state = metrics[metric].kind == "state"
                rows.append({"region": region, "year": int(year), "metric": metric,
                             "value": None if state else float(value), "state": value if state else None,
                             "source": "测试", "note": None})
    schema = {"region": pl.String, "year": pl.Int32, "metric": pl.String, "value": pl.Float64,
              "state": pl.String, "source": pl.String, "note": pl.String}
    return pl.DataFrame(rows, schema=schema)


def assigned_frame(targets: Mapping[str, Mapping[str, Mapping[int, float]]]) -> pl.DataFrame:
    rows = [
        {"region": region, "year": int(year), "metric": metric, "target": float(value), "source": "测试"}
        for region, by_metric in targets.items()
        for metric, by_year in by_metric.items()
        for year, value in by_year.items()
    ]
    schema = {"region": pl.String, "year": pl.Int32, "metric": pl.String, "target": pl.Float64,
              "source": pl.String}
    return pl.DataFrame(rows, schema=schema)


@pytest.fixture(scope="session")
def sample() -> Dataset:
    return read_dataset(SAMPLE, load_metrics())


# Tests never read the user's own standards folder: user packs go to a fresh folder for the run
# (inherited by the console-script subprocesses).
os.environ["ECOZONE_STANDARDS_PATH"] = tempfile.mkdtemp(prefix="ecozone-standards-")


@pytest.fixture(autouse=True)
def _dev_null_stays_a_device() -> Any:
    """No test may replace the machine's /dev/null: a file renamed onto it (as root) turns it into a plain file,
    and every program that writes to it then fails or spins (it once slowed a whole CI run fivefold)."""
    yield
    mode = os.stat("/dev/null").st_mode
    if not stat.S_ISCHR(mode):
        if os.geteuid() == 0:  # put the device back, so the tests after this one run on a working machine
            os.unlink("/dev/null")
            os.mknod("/dev/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
            os.chmod("/dev/null", 0o666)
        pytest.fail("this test replaced /dev/null with a plain file")
