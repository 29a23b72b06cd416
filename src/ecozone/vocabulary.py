"""The codebook: every code the product shows, with its one Chinese label, its order and its dtype.

Results carry codes (``met``, ``vetoed`` …); adapters show labels. Every label shown anywhere —
CLI, workbook, report, page, JSON's ``*_text`` fields — comes from here, so a code cannot read
one way in the terminal and another in the report. Nothing else in the package defines a label
for these codes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # polars is loaded by the methods that need it: a command's --help must not wait for it
    import polars as pl

__all__ = [
    "ANSWER",
    "ANSWERED_BY",
    "ATTRIBUTE",
    "EFFECT",
    "FINAL_VERDICT",
    "FINDING_STATUS",
    "MONITOR_VERDICT",
    "ONSITE_RESULT",
    "ORIGIN",
    "PLAN_STATUS",
    "REQUEST_STATUS",
    "REVIEW_KIND",
    "ROLE",
    "SEVERITY",
    "STANDING",
    "STATUS",
    "SUBMISSION_STATUS",
    "TREND_CLASS",
    "VERDICT",
    "WEAK_CLASS",
    "Codebook",
]


class Codebook(Mapping[str, str]):
    """Codes in their display order, each with one label; reads like a ``dict`` of code → label."""

    def __init__(self, name: str, labels: Mapping[str, str]) -> None:
        self.name = name
        self._labels = dict(labels)

    def __getitem__(self, code: str) -> str:
        return self._labels[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self._labels)

    @property
    def dtype(self) -> pl.Enum:
        """The codes as a polars ``Enum`` (ordered as shown), for columns that hold them."""
        import polars as pl

        return pl.Enum(list(self._labels))

    def label_expr(self, column: str | pl.Expr) -> pl.Expr:
        """A column of codes as labels (an unknown code is an error, never a silent blank)."""
        import polars as pl

        expr = pl.col(column) if isinstance(column, str) else column
        return expr.replace_strict(self._labels, return_dtype=pl.String)

    def code_of(self, label: str) -> str | None:
        """The code whose label is ``label`` (for reading a label back from a workbook)."""
        return next((code for code, text in self._labels.items() if text == label), None)


# --- one indicator, one region ---------------------------------------------------------

STATUS = Codebook("status", {
    "met": "达标", "not_met": "未达标", "missing": "缺数据", "needs_review": "待核实", "not_applicable": "不适用",
})
# "none": the published table has no 属性 column for the indicator (the 2024 tables, the 2016 county table)
ATTRIBUTE = Codebook("attribute", {"binding": "约束性", "reference": "参考性", "none": "无此栏"})

# the indicator verdict (engine.assess) …
VERDICT = Codebook("verdict", {
    "ready": "可申报", "not_ready": "暂不具备", "incomplete": "资料不全", "vetoed": "一票否决",
})
# … and the yearly self-assessment after naming (engine.selfcheck, mode "monitor")
MONITOR_VERDICT = Codebook("monitor_verdict", {
    "keep": "保持", "warning": "警告整改", "revocation": "撤销风险", "incomplete": "资料不全",
})
# any verdict a region row can carry, in either mode
FINAL_VERDICT = Codebook("final_verdict", {**VERDICT, **MONITOR_VERDICT})

# --- the self-check --------------------------------------------------------------------

ANSWER = Codebook("answer", {"yes": "是", "no": "否", "unknown": "不清楚/未答"})
ANSWERED_BY = Codebook("answered_by", {"question": "自查回答", "incidents": "事件清单", "derived": "数据推算"})
EFFECT = Codebook("effect", {"BA": "不得申报/推荐", "BN": "不予命名", "W": "警告并整改", "RV": "撤销称号"})

# --- outlook ---------------------------------------------------------------------------

TREND_CLASS = Codebook("trend_class", {
    "achieved": "已达标", "on_track": "按期可达", "acceleration_needed": "需加快", "limited": "进展有限",
    "moving_away": "背离目标", "progress": "改善", "stagnation": "停滞", "decline": "变差",
    "insufficient_data": "数据不足",
})
WEAK_CLASS = Codebook("weak_class", {
    "binding_not_met": "约束性未达标", "binding_missing": "约束性缺数据/待核实", "reference_not_met": "参考性未达标",
    "risk_margin": "达标但余量小", "risk_trend": "达标但趋势背离",
})
PLAN_STATUS = Codebook("plan_status", {"planned": "已排期", "blocked": "受阻", "cannot_plan": "无法排期"})

# --- the store and the catalogue -------------------------------------------------------

SUBMISSION_STATUS = Codebook("submission_status", {
    "submitted": "已提交", "returned": "已退回", "accepted": "已通过", "recommended": "已推荐",
    "reopened": "已重新打开",
})
ROLE = Codebook("role", {"county": "县级填报员", "prefecture": "州（市）级审核员", "province": "省级管理员",
                         "department": "部门填报员", "expert": "评审专家"})
# reviews and the problem ledger (问题台账)
REVIEW_KIND = Codebook("review_kind", {"help": "技术帮扶", "prereview": "省级预审", "assessment": "技术评估",
                                       "onsite": "现场核查"})
# one row of a 现场核查 checklist, as the reviewer found it on site
ONSITE_RESULT = Codebook("onsite_result", {"unchecked": "未核查", "agrees": "与填报相符", "differs": "与填报不符",
                                           "unverifiable": "无法核实"})
# background jobs (web.jobs): what a job makes, and where it stands
JOB_KIND = Codebook("job_kind", {"reports": "各地报告打包", "dossiers": "各地申报材料包打包",
                                   "upload_check": "检查上传的工作簿", "upload_load": "载入上传的工作簿"})
JOB_STATUS = Codebook("job_status", {"queued": "排队中", "running": "正在生成", "done": "已完成", "failed": "未能完成"})
SEVERITY = Codebook("severity", {"general": "一般", "important": "重要", "blocking": "影响申报"})
# a named place's standing after naming (命名后)
STANDING = Codebook("standing", {"normal": "正常", "warning": "警告（黄牌）", "rectifying": "限期整改",
                                 "revoked": "撤销（红牌）", "incomplete": "自评资料不全"})
FINDING_STATUS = Codebook("finding_status", {"open": "待整改", "working": "整改中", "done": "已整改待复核",
                                             "closed": "已销号", "failed": "复核未通过"})
# one region's part of a data request to a department (数据请求)
REQUEST_STATUS = Codebook("request_status", {
    "pending": "待提交", "submitted": "已提交", "accepted": "已采纳", "returned": "已退回",
})
ORIGIN = Codebook("origin", {"shipped": "内置", "user": "用户"})
