"""The public surface is deliberate: everything in __all__ exists, nothing private leaks."""

from __future__ import annotations

import ecozone


def test_all_names_exist_and_are_public() -> None:
    for name in ecozone.__all__:
        assert hasattr(ecozone, name), name
        assert not name.startswith("_")


def test_public_surface_is_the_documented_one() -> None:
    assert set(ecozone.__all__) == {
        "STATUSES", "VERDICTS", "Assessment", "Dataset", "EcozoneError", "InputError", "LoadedStandard",
        "PackError", "UsageError", "assess", "assess_dataset", "assessment_to_dict", "judged_year",
        "list_standards", "load_dataset", "load_standard", "load_standard_file", "check_workbook",
        "selfcheck_dataset",
    }
    assert ecozone.STATUSES == ("met", "not_met", "not_applicable", "missing", "needs_review")
    assert ecozone.VERDICTS == ("ready", "not_ready", "incomplete")  # vetoed comes from selfcheck_dataset
