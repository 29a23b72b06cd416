"""Charts (matplotlib, with the CJK font registered explicitly) as PNG bytes."""

from __future__ import annotations

import io
from typing import Any

import polars as pl

from ecozone.reports.fonts import use_in_matplotlib

__all__ = ["board_heatmap", "domain_chart", "series_chart", "weak_gap_chart"]

GREEN, RED, AMBER, GREY = "#4CAF50", "#E53935", "#FFB300", "#BDBDBD"


def _png(fig: Any) -> bytes:
    from matplotlib import pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def domain_chart(context: dict[str, Any]) -> bytes:
    """Applicable indicators per domain: met, not met, missing; hatched so a greyscale print tells them apart."""
    use_in_matplotlib()
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    domains = context["domains"]
    names = [d["name"] for d in domains]
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(names) + 1.3))
    left = [0] * len(names)
    for key, label, colour, hatch in (("met", "达标", GREEN, ""), ("not_met", "未达标", RED, "///"),
                                      ("missing", "缺数据/待核实", AMBER, "...")):
        values = [d[key] for d in domains]
        ax.barh(names, values, left=left, color=colour, label=label, hatch=hatch, edgecolor="black", linewidth=0.5)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.invert_yaxis()
    ax.set_xlabel("适用指标数（项）")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts of indicators: no 2.5
    ax.set_title(f"{context['region']['name']} 分领域达标情况（{context['year']} 年）")
    # the legend under the axes, never over a bar
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, fontsize=8, frameon=False)
    return _png(fig)


def weak_gap_chart(context: dict[str, Any]) -> bytes | None:
    """Relative gap to target for the weak points that are not met."""
    points = [w for w in context["weak_points"] if w["relative_gap"] is not None and w["relative_gap"] < 0][:12]
    if not points:
        return None
    use_in_matplotlib()
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 0.4 * len(points) + 1))
    labels = [f"{w['id']} {w['name']}" for w in points]
    ax.barh(labels, [w["relative_gap"] * 100 for w in points], color=RED, hatch="///", edgecolor="black",
            linewidth=0.5)
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("距目标的相对差距（%，负数为差距）")
    ax.set_title("短板指标距目标的相对差距")
    return _png(fig)


def series_chart(point: dict[str, Any]) -> bytes | None:
    """One weak point's series against its target line, both inside the plotted range, the unit on the axis."""
    if len(point["series"]) < 2:
        return None
    use_in_matplotlib()
    from matplotlib import pyplot as plt

    years = [y for y, _ in point["series"]]
    values = [v for _, v in point["series"]]
    fig, ax = plt.subplots(figsize=(4.6, 2.6))
    ax.plot(years, values, marker="o", color="#1565C0", label="历年数值")
    shown = list(values)
    if point["target_value"] is not None:
        ax.axhline(point["target_value"], color=RED, linestyle="--", linewidth=1.2, label=f"目标 {point['target']}")
        shown.append(point["target_value"])
    low, high = min(shown), max(shown)
    pad = (high - low) * 0.15 or abs(high) * 0.05 or 1.0
    ax.set_ylim(low - pad, high + pad)
    ax.set_xticks(years)
    ax.set_ylabel(point["unit"] or "数值", fontsize=8)
    ax.set_title(f"{point['id']} {point['name']}", fontsize=9)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize=7, frameon=False)
    return _png(fig)


def board_heatmap(indicators: pl.DataFrame, names: dict[str, str]) -> bytes:
    """Regions × indicators, coloured by status."""
    use_in_matplotlib()
    from matplotlib import pyplot as plt
    from matplotlib.colors import ListedColormap

    codes = {"met": 0, "not_met": 1, "missing": 2, "needs_review": 2, "not_applicable": 3}
    regions = indicators["region"].unique(maintain_order=True).to_list()
    ids = indicators.filter(pl.col("region") == regions[0])["indicator_id"].to_list()
    grid = [[codes[s] for s in indicators.filter(pl.col("region") == r)["status"].to_list()] for r in regions]
    fig, ax = plt.subplots(figsize=(0.25 * len(ids) + 2, 0.35 * len(regions) + 1.2))
    ax.imshow(grid, cmap=ListedColormap([GREEN, RED, AMBER, GREY]), vmin=0, vmax=3, aspect="auto")
    ax.set_xticks(range(len(ids)), ids, fontsize=6)
    ax.set_yticks(range(len(regions)), [names.get(r, r) for r in regions], fontsize=8)
    ax.set_title("指标判定矩阵（绿 达标 · 红 未达标 · 黄 缺数据/待核实 · 灰 不适用）", fontsize=9)
    return _png(fig)
