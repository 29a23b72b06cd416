"""A draft pack from a table's rows: names matched to the register (exact, close with the score said, by state,
none), a bare number's direction from its quantity, and everything not read left blank and listed."""

from __future__ import annotations

import pytest

from ecozone.catalogue import load_metrics
from ecozone.catalogue.drafting import Notice, NoticeRow, draft_standard, match_metric

METRICS = load_metrics()


@pytest.mark.parametrize(("names", "kind", "state", "metric", "how"), [
    (["林草覆盖率"], "number", None, "forest_grass_coverage", "exact"),
    (["生态环境状况指数"], "number", None, "eco_index", "exact"),  # the register's 「（EI）」 set aside
    (["PM2.5浓度下降幅度", "环境空气质量PM2.5浓度下降幅度"], "number", None, "pm25_concentration", "close"),
    (["生态保护红线"], "state", "符合", "eco_redline_status", "exact"),          # the one with that state
    (["生态保护红线"], "state", "划定并遵守", "eco_redline_delineation", "close"),
    (["依法开展规划环境影响评价"], "number", None, "planning_eia_rate", "close"),   # the rate, not the state
    (["无人机巡护覆盖率"], "number", None, None, "none"),
])
def test_names_are_matched_to_the_register(names: list[str], kind: str, state: str | None, metric: str | None,
                                           how: str) -> None:
    found = match_metric(names, METRICS, kind, state)
    assert (found.metric, found.how) == (metric, how)


def row(number: str, name: str, target: str, unit: str = "%", **more: str) -> NoticeRow:
    return NoticeRow(where=f"表1 第{int(number) + 1}行", domain="生态经济", task="资源节约与利用", number=number,
                     name=name, unit=unit, target=target, attribute=more.get("attribute", "约束性"),
                     scope=more.get("scope", "市县"), note=more.get("note", ""))


def test_what_is_not_read_is_left_blank_and_listed_with_where_to_fill_it() -> None:
    notice = Notice("通知.docx", (
        row("1", "单位地区生产总值能耗", "0.7", "吨标准煤/万元"),
        row("2", "林草覆盖率", "详见附件2的计算方法说明"),
        row("3", "无人机巡护覆盖率*", "≥90", attribute="预期", note="仅适用于草原地区"),
        row("5", "政府绿色采购比例", "≥80"),
    ), title="测试指标", document="环生态〔2030〕1号")
    draft = draft_standard(notice, METRICS, pack_id="test-draft")
    rules = {r["indicator"]: r for r in draft.rules if r["node"] == "1"}
    assert rules["1"]["metric"] == "energy_intensity" and rules["1"]["op"] == "≤"  # lower is better: 0.7 is a ceiling
    assert "2" not in rules  # not read: no rule row at all, for a person to write
    assert rules["3"]["metric"] is None or rules["3"]["metric"] == ""
    assert ("判定规则", draft.rules.index(rules["3"]), "metric") in draft.todo
    pending = {(p.subject, p.what): p for p in draft.pending}
    unread = pending[("第2项 林草覆盖率", "指标值")]
    assert unread.text == "详见附件2的计算方法说明" and unread.where == "表1 第3行" and "指标编号 2" in unread.fill
    assert ("第3项 无人机巡护覆盖率", "统计量") in pending and ("第3项 无人机巡护覆盖率", "属性") in pending
    assert ("第3项 无人机巡护覆盖率", "适用条件") in pending  # the * is said, not guessed
    assert draft.proposals[0]["name"] == "无人机巡护覆盖率" and draft.proposals[0]["kind"] == "数值"
    third = next(i for i in draft.indicators if i["id"] == "3")
    assert third["requires"] == "草原地区" and third["verified"] == "否" and "草稿" in third["note"]
    header = {h["key"]: h["value"] for h in draft.header}
    assert header["issuer"] == "生态环境部" and header["complete"] == "否" and "第 4 项" in header["missing_rows"]
    report = draft.report
    assert (report.rules, report.full, report.partly, report.failed, report.proposed) == (4, 2, 1, 1, 1)
    assert report.lines()[1] == "指标值：完全读出 2 个（50%），部分读出 1 个，未能读出 1 个。"


def test_sub_items_under_a_parent_row_and_stacked_in_one_cell() -> None:
    parent = NoticeRow("表1 第2行", number="12", name="生物多样性保护", attribute="参考性", scope="市县")
    items = [NoticeRow(f"表1 第{3 + k}行", number="12", name=name, unit=unit, target=target, attribute="参考性",
                       scope="市县")
             for k, (name, unit, target) in enumerate([("国家重点保护野生动植物保护率", "%", "≥95"),
                                                       ("外来物种入侵", "-", "不明显")])]
    stacked = NoticeRow("表1 第6行", number="25", name="农业废弃物综合利用率\n秸秆综合利用率\n畜禽粪污综合利用率",
                        unit="%", target="≥90\n≥75", attribute="参考性", scope="县")
    draft = draft_standard(Notice("n.docx", (parent, *items, stacked)), METRICS, pack_id="t")
    ids = [(i["id"], i.get("parent")) for i in draft.indicators]
    assert ids == [("12", None), ("12.1", "12"), ("12.2", "12"), ("25", None), ("25.1", "25"), ("25.2", "25")]
    assert {r["item"]: r["metric"] for r in draft.rules} == {
        "12.1": "key_species_protection_rate", "12.2": "invasive_species", "25.1": "straw_utilization_rate",
        "25.2": "manure_utilization_rate"}
    assert next(i for i in draft.indicators if i["id"] == "25")["levels"] == "县"
