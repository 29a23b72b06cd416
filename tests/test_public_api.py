"""The public surface is deliberate (as httpx keeps it): every name in __all__ exists, is documented in
docs/api.md and in its own docstring, and nothing private is reachable through it."""

from __future__ import annotations

import re
from pathlib import Path

import ecozone
from ecozone.vocabulary import Codebook

API_DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def _documented() -> set[str]:
    rows = re.findall(r"^\| `([A-Za-z_]+)` \|", API_DOC.read_text(encoding="utf-8"), flags=re.M)
    return set(rows)


def test_every_public_name_is_documented_and_nothing_else_is() -> None:
    assert set(ecozone.__all__) == _documented()


def test_every_public_name_exists_and_explains_itself() -> None:
    for name in ecozone.__all__:
        assert not name.startswith("_"), name
        member = getattr(ecozone, name)
        if isinstance(member, Codebook):
            assert member.codes and all(member[code] for code in member.codes), name
        elif isinstance(member, tuple):
            assert all(isinstance(code, str) for code in member), name
        else:
            assert (member.__doc__ or "").strip(), f"{name} has no docstring"


def test_nothing_private_is_reachable_through_the_surface() -> None:
    for name in ecozone.__all__:
        module = getattr(getattr(ecozone, name), "__module__", None) or ""
        assert not any(part.startswith("_") for part in module.split(".")), (name, module)


def test_codes_are_the_engines_and_read_one_way() -> None:
    assert ecozone.STATUSES == ecozone.STATUS.codes == ("met", "not_met", "missing", "needs_review", "not_applicable")
    assert ecozone.VERDICTS == ("ready", "not_ready", "incomplete")  # vetoed comes from the self-check
    assert set(ecozone.VERDICTS) < set(ecozone.VERDICT) <= set(ecozone.FINAL_VERDICT)
    assert ecozone.ANSWER["unknown"] == "不清楚/未答"
