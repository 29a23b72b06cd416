"""Malformed packs, kept as real files: each error must name file, line, field and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecozone.catalogue import load_standard_file
from ecozone.errors import PackError
from tests.conftest import FIXTURES

BAD = FIXTURES / "bad" / "packs"

# file → (line, field fragment or None, fragments the Chinese message must contain)
EXPECTED = {
    "unknown_key.yaml": (16, "indicators[0].weight", ["未知字段"]),
    "duplicate_key.yaml": (14, "indicators[0].name", ["键「name」重复", "首次出现在第 13 行"]),
    "bad_type.yaml": (11, "indicators[0].number", ["类型错误，应为整数"]),
    "unknown_metric.yaml": (17, "indicators[0].criterion.metric", ["未知的统计量「forest_grass_cover」"]),
    "unknown_variant.yaml": (23, "targets[1].when.terrain", ["「高原」", "山区、丘陵、平原"]),
    "unknown_kind.yaml": (17, "indicators[0].criterion", ["未知的判定规则类型", "「thresold」", "threshold、state"]),
    "state_not_in_vocabulary.yaml": (17, "criterion.accept[0]", ["「已制定」", "制定实施、未制定、已失效"]),
    "state_rule_on_number.yaml": (17, "criterion.metric", ["state 不能用于数值型统计量"]),
    "yaml_syntax.yaml": (17, None, ["YAML 语法错误"]),
    "missing_field.yaml": (10, "indicators[0].attribute", ["缺少必填字段"]),
    "incomplete_without_missing_rows.yaml": (1, None, ["missing_rows"]),
    "bad_op.yaml": (17, "criterion.op", ["「=>」", ">=、>、<=、<、=="]),
    "unknown_flag.yaml": (16, "applies_to.requires[0]", ["「seaside」", "coastal"]),
    "duplicate_indicator.yaml": (19, "indicators[1].id", ["指标编号「1」重复"]),
    "unknown_veto_catalogue.yaml": (8, "veto_catalogue", ["未知的否决项目录「mgmt-1999」"]),
}


def test_every_bad_fixture_has_an_expectation() -> None:
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted(EXPECTED)


def test_the_unbroken_pack_loads() -> None:
    assert load_standard_file(FIXTURES / "good" / "minimal-pack.yaml").id == "minimal-test"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_pack_error_names_file_line_and_field(name: str) -> None:
    line, field, fragments = EXPECTED[name]
    with pytest.raises(PackError) as caught:
        load_standard_file(BAD / name)
    error = caught.value
    assert error.location.file is not None and error.location.file.endswith(name)
    assert error.location.line == line
    if field is not None:
        assert error.location.field is not None and field in error.location.field
    message = str(error)
    assert f"第 {line} 行" in message and name in message
    for fragment in fragments:
        assert fragment in message


def test_a_pack_naming_an_unknown_veto_catalogue() -> None:
    with pytest.raises(PackError) as caught:
        load_standard_file(BAD / "unknown_veto_catalogue.yaml")
    assert "mgmt-1999" in caught.value.message and "mgmt-2019" in caught.value.message
    assert caught.value.location.line == 8


@pytest.mark.parametrize("fast", [True, False])
def test_yaml_bombs_are_refused_by_either_parser(tmp_path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Aliases (「billion laughs」: 464 bytes that expand to billions of nodes) and deep nesting are refused with
    the line, by libyaml's fast path and by the pure-Python loader alike."""
    from ecozone.catalogue import load as loading
    from ecozone.errors import PackError

    if not fast:
        monkeypatch.setattr(loading, "_FAST_LOADER", None)
    laughs = tmp_path / "laughs.yaml"
    laughs.write_text("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                      "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n", encoding="utf-8")
    with pytest.raises(PackError, match="第 2 行使用了 YAML 别名"):
        loading.compose_file(laughs)
    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "[" * 60 + "]" * 60 + "\n", encoding="utf-8")
    with pytest.raises(PackError, match="嵌套超过 40 层"):
        loading.compose_file(deep)
