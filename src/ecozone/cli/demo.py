"""The demo: the bundled fictional prefecture evaluated end to end (JSON, reports, the board workbook)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ecozone.cli.app import app, out, write_output
from ecozone.cli.printing import print_board, print_header
from ecozone.cli.sample import sample_path

__all__ = ["DEMO_REPORT_REGION", "demo"]

DEMO_REPORT_REGION = "990104"  # 石门县: a county with a shortfall, a trend and a plan to show


@app.command()
def demo(
    output: Annotated[Path, typer.Option("--output", "-o", help="结果 JSON 写入的文件夹")] = Path("ecozone-demo"),
    standard: Annotated[str, typer.Option("--standard", "-s", help="标准编号")] = "mee-2019",
    load: Annotated[bool, typer.Option("--load", help="同时载入数据库并建立演示账号（供 ecozone serve）")] = False,
    new_passwords: Annotated[bool, typer.Option(
        "--new-passwords", help="与 --load 同用：给已有的演示账号生成新密码并显示（原密码失效）")] = False,
) -> None:
    """用内置示例（虚构的示例州，8 个县）跑一遍评估，打印总表并把结果写成 JSON。"""
    from ecozone import api
    from ecozone.catalogue import load_standard
    from ecozone.reports import FORMATS
    from ecozone.reports.charts import board_heatmap
    from ecozone.reports.results_json import evaluation_to_dict
    from ecozone.reports.workbook import write_results_workbook

    if load:
        from ecozone.cli.store import load_demo

        load_demo(new_passwords=new_passwords)
    evaluation = api.evaluate(load_standard(standard), api.load_dataset(sample_path()), vetoes=True)
    out.print("示例数据为虚构（示例州及其 8 个县均不存在），仅用于演示。", style="dim")
    print_header(out, evaluation)
    print_board(out, evaluation)
    document = evaluation_to_dict(evaluation, with_outlook=False)
    write_output(output / "assessment.json", json.dumps(document, ensure_ascii=False, indent=2))
    for region in document["regions"]:
        single = {**document, "regions": [region]}
        write_output(output / f"{region['code']}.json", json.dumps(single, ensure_ascii=False, indent=2))
    files = api.write_region_reports(evaluation, list(FORMATS), [DEMO_REPORT_REGION], output / "reports")
    board = output / "reports" / "示例州_总表.xlsx"
    write_results_workbook(evaluation, board, {"指标判定矩阵": board_heatmap(evaluation.indicators, evaluation.names)},
                           with_plan=True)
    out.print(f"结果已写入 {output}/（assessment.json 及每县一个文件）")
    out.print("示例报告：" + "、".join(str(p) for p in files[DEMO_REPORT_REGION].values()) + f"、{board}")
