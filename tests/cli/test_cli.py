"""The CLI through the installed console script, as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, SAMPLE

ECOZONE = shutil.which("ecozone", path=str(Path(sys.executable).parent))
assert ECOZONE, "the ecozone console script must be installed (pip install -e '.[test]')"

INDICATOR_KEYS = {"id", "name", "domain", "attribute", "status", "value", "unit", "target", "gap",
                  "relative_gap", "verified", "explanation"}
STATUSES = {"met", "not_met", "not_applicable", "missing", "needs_review"}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ECOZONE, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_standards_lists_packs_with_completeness_and_verified_counts() -> None:
    result = run("standards")
    assert result.returncode == 0, result.stderr
    lines = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if line.count("│") > 5}
    assert "是" in lines["mee-2019"] and "1/40" in lines["mee-2019"] and "40" in lines["mee-2019"]
    assert "否" in lines["mee-2024-city"] and "13" in lines["mee-2024-city"]
    assert "否" in lines["mee-2016-county"]


def test_standards_show_prints_the_whole_table() -> None:
    result = run("standards", "show", "mee-2019")
    assert result.returncode == 0, result.stderr
    for text in ("环生态〔2019〕76号", "林草覆盖率", "青藏高原地区", "公众对生态文明建设的参与度", "25.3"):
        assert text in result.stdout


def test_unknown_standard_is_a_chinese_error() -> None:
    result = run("standards", "show", "mee-1999")
    assert result.returncode == 1
    assert "没有编号为「mee-1999」的标准" in result.stderr and "mee-2019" in result.stderr


def test_assess_json_follows_the_contract(tmp_path: Path) -> None:
    target = tmp_path / "out" / "result.json"
    result = run("assess", str(SAMPLE), "--standard", "mee-2019", "--format", "json", "-o", str(target))
    assert result.returncode == 0, result.stderr
    doc = json.loads(target.read_text(encoding="utf-8"))
    standard = doc["standard"]
    assert standard["id"] == "mee-2019" and standard["complete"] is True
    assert standard["hash"].startswith("sha256:") and len(standard["unverified_indicators"]) == 39
    assert doc["year"] == 2023
    assert len(doc["regions"]) == 8
    verdicts = {r["code"]: r["verdict"] for r in doc["regions"]}
    assert verdicts["990101"] == "ready" and verdicts["990104"] == "not_ready"
    assert verdicts["990106"] == "incomplete"
    for region in doc["regions"]:
        assert {"code", "name", "level", "verdict", "reasons", "indicators"} <= set(region)
        assert len(region["indicators"]) == 40
        for indicator in region["indicators"]:
            assert set(indicator) >= INDICATOR_KEYS
            assert indicator["status"] in STATUSES
            for item in indicator["items"]:
                assert item["status"] in STATUSES
    shimen = next(r for r in doc["regions"] if r["code"] == "990104")
    sewage = next(i for i in shimen["indicators"] if i["id"] == "29")
    assert sewage["status"] == "not_met" and sewage["gap"] < 0 and sewage["target_value"] == 85
    assert "差" in sewage["explanation"]
    assert shimen["reasons"][0]["code"] == "binding_not_met" and shimen["reasons"][0]["indicators"] == ["29"]


def test_assess_json_to_stdout_and_an_earlier_year() -> None:
    result = run("assess", str(SAMPLE), "-s", "mee-2019", "-f", "json", "--year", "2021")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["year"] == 2021


def test_an_output_that_is_a_pipe_or_a_device_is_written_into_not_replaced(tmp_path: Path) -> None:
    """`-o /dev/null`, `-o /dev/stdout` or a named pipe: the report goes into it and it stays what it was. (Saving
    by renaming a finished file onto the target once turned the machine's /dev/null into a plain file, as root.)"""
    pipe = tmp_path / "评估.json"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    result = run("assess", str(SAMPLE), "-s", "mee-2019", "-f", "json", "--year", "2021", "-o", str(pipe))
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert received and json.loads(received[0])["year"] == 2021
    assert [p.name for p in tmp_path.iterdir()] == ["评估.json"]  # no temporary file left beside it


def test_assess_table_shows_verdicts_and_explanations() -> None:
    result = run("assess", str(SAMPLE), "--standard", "mee-2019")
    assert result.returncode == 0, result.stderr
    for text in ("评估总表", "可申报", "暂不具备", "资料不全", "约束性指标未达标：第29项", "待核实"):
        assert text in result.stdout


def test_a_city_pack_refuses_counties() -> None:
    result = run("assess", str(SAMPLE), "--standard", "mee-2024-city")
    assert result.returncode == 1
    assert "只适用于市级" in result.stderr


def test_year_without_data_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    result = run("assess", str(SAMPLE), "-s", "mee-2019", "-f", "json", "--year", "2015", "-o", str(target))
    assert result.returncode == 1
    assert "2015 年没有任何数据" in result.stderr and "2019" in result.stderr
    assert not target.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("case", ["value_not_number", "region_code_5_digits"])
def test_bad_figures_fail_with_location_and_write_nothing(tmp_path: Path, case: str) -> None:
    # a long folder name, as on a CI machine: the message must stay on one line, path unbroken
    folder = tmp_path / ("很长的文件夹名称" * 8) / case
    shutil.copytree(FIXTURES / "bad" / "data" / case, folder)
    target = tmp_path / "result.json"
    result = run("assess", str(folder), "-s", "mee-2019", "-f", "json", "-o", str(target))
    assert result.returncode == 1
    message = result.stderr.strip()
    assert message.startswith("错误：") and "\n" not in message
    assert "第 3 行" in message and str(folder) in message
    assert "Traceback" not in result.stderr
    assert not target.exists()


def test_a_malformed_pack_file_is_reported_with_its_line() -> None:
    pack = FIXTURES / "bad" / "packs" / "unknown_variant.yaml"
    result = run("assess", str(SAMPLE), "--standard", str(pack))
    assert result.returncode == 1
    assert "第 23 行" in result.stderr and "高原" in result.stderr


def test_demo_prints_the_board_and_writes_json(tmp_path: Path) -> None:
    result = run("demo", "-o", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    assert "虚构" in result.stdout
    for name in ("青岚县", "云溪县", "望潮县", "石门县", "松岭县", "金川县", "柳河县", "鹤鸣县"):
        assert name in result.stdout
    written = sorted(p.name for p in (tmp_path / "demo").iterdir())
    assert written == ["990101.json", "990102.json", "990103.json", "990104.json", "990105.json",
                       "990106.json", "990107.json", "990108.json", "assessment.json", "reports"]
    reports = sorted(p.suffix for p in (tmp_path / "demo" / "reports").iterdir() if p.name.startswith("石门县"))
    assert reports == [".docx", ".html", ".pdf", ".xlsx"]
    assert (tmp_path / "demo" / "reports" / "示例州_总表.xlsx").exists()
    doc = json.loads((tmp_path / "demo" / "assessment.json").read_text(encoding="utf-8"))
    verdicts = {r["code"]: r["verdict"] for r in doc["regions"]}
    assert set(verdicts.values()) == {"ready", "not_ready", "incomplete", "vetoed"}
    assert verdicts["990102"] == "vetoed" and verdicts["990103"] == "incomplete"  # the sample's self-check
    vetoes = {v["id"]: v for v in next(r for r in doc["regions"] if r["code"] == "990102")["vetoes"]}
    assert vetoes["major_incident"]["answer"] == "yes" and vetoes["major_incident"]["blocking"] is True
    assert "2022-07-15" in vetoes["major_incident"]["triggered_by"]


# --- Excel workflow --------------------------------------------------------------------

EXCEL = FIXTURES / "excel"


def test_template_check_and_assess_a_workbook(tmp_path: Path) -> None:
    template = tmp_path / "填报.xlsx"
    made = run("template", "--standard", "mee-2019", "--region", "990101", "--region", "990103",
               "--years", "2021-2023", "-o", str(template))
    assert made.returncode == 0, made.stderr
    assert "2 个地区" in made.stdout and template.exists()
    empty = run("check", str(template))
    assert empty.returncode == 0 and "检查通过" not in empty.stdout
    assert "地区 990101 的 2023 年有 41 项尚未填写" in empty.stdout
    assessed = run("assess", str(template), "-f", "json")  # the standard comes from the workbook
    assert assessed.returncode == 1 and "没有填写任何年份的数值" in assessed.stderr


def test_template_refuses_an_unknown_region(tmp_path: Path) -> None:
    result = run("template", "-s", "mee-2019", "--region", "123456", "-o", str(tmp_path / "t.xlsx"))
    assert result.returncode == 1 and "123456" in result.stderr and "--regions" in result.stderr
    assert not (tmp_path / "t.xlsx").exists()


def test_check_lists_problems_with_cells_and_writes_the_errors_workbook(tmp_path: Path) -> None:
    errors = tmp_path / "标注.xlsx"
    result = run("check", str(EXCEL / "bad_region_code.xlsx"), "--errors-out", str(errors))
    assert result.returncode == 1
    assert "指标数据!A4" in result.stdout and "地区代码不是6位数字" in result.stdout
    assert "指标数据!A5" in result.stdout and errors.exists()


def test_assess_a_bad_workbook_stops_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "results.xlsx"
    result = run("assess", str(EXCEL / "text_in_number.xlsx"), "-o", str(target))
    assert result.returncode == 1
    assert "工作表「指标数据」" in result.stderr and "单元格 M4" in result.stderr and "二十五" in result.stderr
    assert not target.exists()


def test_assess_needs_confirmation_for_a_probable_fraction(tmp_path: Path) -> None:
    refused = run("assess", str(EXCEL / "percent_forms.xlsx"), "-f", "json")
    assert refused.returncode == 1 and "--accept-warnings" in refused.stderr
    accepted = run("assess", str(EXCEL / "percent_forms.xlsx"), "-f", "json", "--accept-warnings")
    assert accepted.returncode == 0, accepted.stderr


def test_assess_writes_a_results_workbook(tmp_path: Path) -> None:
    target = tmp_path / "results.xlsx"
    result = run("assess", str(EXCEL / "filled.xlsx"), "-o", str(target))
    assert result.returncode == 0, result.stderr
    from openpyxl import load_workbook

    assert load_workbook(target).sheetnames[:3] == ["总表", "否决项", "指标矩阵"]  # answers in the workbook


def test_unreadable_workbook_is_a_chinese_error_not_a_traceback() -> None:
    for name in ("encrypted.xlsx", "corrupted.xlsx", "zip_bomb.xlsx"):
        result = run("check", str(EXCEL / name))
        assert result.returncode == 1 and "错误：" in result.stderr and "Traceback" not in result.stderr


# --- self-check ------------------------------------------------------------------------


def test_selfcheck_prints_the_checklist_and_the_prescreen() -> None:
    result = run("selfcheck", str(SAMPLE), "--standard", "mee-2019")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "申报前自查" in out and "推荐预审" in out and "否决项目录 国家生态文明建设示范市县管理规程" in out
    assert "一票否决：发生重大（Ⅱ级）或特别重大（Ⅰ级）突发环境事件" in out and "2022-07-15" in out
    assert "否决项自查未完成（未回答）：中央生态环境保护督察" in out
    assert "原文未规定，按近3年（假定）" in out  # the assumed window is shown as an assumption


def test_selfcheck_json_contract() -> None:
    result = run("selfcheck", str(SAMPLE), "-s", "mee-2019", "-f", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["mode"] == "apply" and doc["veto_catalogue"]["id"] == "mgmt-2019" and doc["as_of"] == "2024-12-31"
    regions = {r["code"]: r for r in doc["regions"]}
    assert regions["990102"]["verdict"] == "vetoed" and regions["990102"]["indicator_verdict"] == "ready"
    veto = next(v for v in regions["990103"]["vetoes"] if v["id"] == "inspection_unrectified")
    assert veto["answer"] == "unknown" and veto["window_years"] == 3 and veto["effect"] == ["BA", "BN"]
    assert {"id", "wording", "answer", "derived", "effect", "window_years", "evidence"} <= set(veto)


def test_selfcheck_monitor_mode_warns_instead_of_blocking() -> None:
    result = run("selfcheck", str(SAMPLE), "-s", "mee-2019", "--mode", "monitor", "-f", "json")
    assert result.returncode == 0, result.stderr
    verdicts = {r["code"]: r["verdict"] for r in json.loads(result.stdout)["regions"]}
    assert verdicts["990104"] == "warning"  # a binding indicator fell back: 指标反弹
    assert verdicts["990102"] == "warning"  # answered 是 for the incident: after naming that warns
    assert set(verdicts.values()) <= {"keep", "warning", "revocation", "incomplete"}


def test_selfcheck_bad_as_of_date() -> None:
    result = run("selfcheck", str(SAMPLE), "-s", "mee-2019", "--as-of", "明年")
    assert result.returncode == 1 and "日期「明年」无法识别" in result.stderr


# --- outlook ---------------------------------------------------------------------------


def test_board_shows_the_shared_weak_point_and_the_ranking() -> None:
    result = run("board", str(SAMPLE), "-s", "mee-2019")
    assert result.returncode == 0, result.stderr
    assert "多地共有的短板" in result.stdout and "33 城镇新建绿色建筑比例" in result.stdout
    assert "松岭县、石门县" in result.stdout and "得分仅供排序参考，不改变申报结论" in result.stdout


def test_weakpoints_json_lists_ranked_points_per_region() -> None:
    result = run("weakpoints", str(SAMPLE), "-s", "mee-2019", "-f", "json")
    assert result.returncode == 0, result.stderr
    points = [w for w in json.loads(result.stdout)["weak_points"] if w["region"] == "990104"]
    assert points[0]["weak_class"] == "binding_not_met" and points[0]["unit_id"] == "29"
    assert points[0]["trend_class"] == "acceleration_needed" and points[0]["projected_year"] == 2029


def test_plan_with_reasons_and_cap() -> None:
    result = run("plan", str(SAMPLE), "-s", "mee-2019", "--cap", "1", "-f", "json")
    assert result.returncode == 0, result.stderr
    rows = {r["region"]: r for r in json.loads(result.stdout)["plan"]}
    assert rows["990101"]["planned_year"] == 2024 and rows["990102"]["plan_status"] == "blocked"
    assert "需先补齐数据" in rows["990106"]["reason"]
    table = run("plan", str(SAMPLE), "-s", "mee-2019")
    assert "分期分批申报计划" in table.stdout and "无法排期" in table.stdout


def test_what_if_changes_the_plan(tmp_path: Path) -> None:
    result = run("plan", str(SAMPLE), "-s", "mee-2019", "--set", "990104:urban_sewage_treatment_rate=86", "-f", "json")
    assert result.returncode == 0, result.stderr
    rows = {r["region"]: r for r in json.loads(result.stdout)["plan"]}
    assert rows["990104"]["planned_year"] == 2024 and rows["990104"]["verdict"] == "ready"
    bad = run("assess", str(SAMPLE), "-s", "mee-2019", "--set", "urban_sewage_treatment_rate=很多")
    assert bad.returncode == 1 and "不是数字" in bad.stderr


def test_assess_json_carries_trend_score_and_weak_points() -> None:
    result = run("assess", str(SAMPLE), "-s", "mee-2019", "-f", "json")
    doc = json.loads(result.stdout)
    shimen = next(r for r in doc["regions"] if r["code"] == "990104")
    sewage = next(i for i in shimen["indicators"] if i["id"] == "29")
    assert sewage["trend"]["class"] == "acceleration_needed" and sewage["trend"]["projected_year"] == 2029
    assert 0 <= sewage["score"] < 100
    assert shimen["score"]["coverage"] == 1.0 and "生态生活" in shimen["score"]["by_domain"]
    assert shimen["weak_points"][0]["indicator"] == "29"
    assert doc["parameters"]["outlook_method"].startswith("趋势与预计达标年份")


def test_assess_shows_one_verdict_per_county_in_the_board_and_in_its_own_table() -> None:
    """The summary line and the county's own table say the same (the self-check's verdict)."""
    result = run("assess", str(SAMPLE), "--standard", "mee-2019")
    assert result.returncode == 0, result.stderr
    board = next(line for line in result.stdout.splitlines() if "│ 990102 │" in line)
    assert "一票否决" in board
    assert "云溪县（990102）：一票否决（指标结论：可申报）" in result.stdout
    assert "云溪县（990102）：可申报" not in result.stdout


def test_a_result_that_cannot_be_written_is_a_chinese_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for target in (blocker / "result.json", blocker / "result.xlsx"):
        result = run("assess", str(SAMPLE), "--standard", "mee-2019", "--format", "json", "-o", str(target))
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "无法写入" in result.stderr and str(target) in result.stderr
    folder = run("assess", str(SAMPLE), "--standard", "mee-2019", "-o", str(tmp_path))
    assert folder.returncode == 1 and "这是一个文件夹" in folder.stderr


def test_what_if_takes_the_chinese_name_and_says_it_is_a_hypothesis() -> None:
    result = run("assess", str(SAMPLE), "--standard", "mee-2019", "--format", "json",
                 "--set", "990104:城镇污水处理率=90")
    assert result.returncode == 0, result.stderr
    assert "假设" in result.stderr
    shimen = next(r for r in json.loads(result.stdout)["regions"] if r["code"] == "990104")
    sewage = next(i for i in shimen["indicators"] if i["id"] == "29")
    assert sewage["status"] == "met" and sewage["value"] == 90 and "假设" in (sewage["source"] or "")
    refused = run("assess", str(SAMPLE), "--standard", "mee-2019", "--set", "城镇污水处理率=85,5")
    assert refused.returncode == 1 and "逗号无法判断" in refused.stderr


@pytest.mark.parametrize("wanted", ["522732", "三都水族自治县"])
def test_a_template_for_any_county_in_the_national_register(wanted: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "t.xlsx"
    result = run("template", "-s", "mee-2019", "--region", wanted, "-o", str(target))
    assert result.returncode == 0, result.stderr
    info = load_workbook(target)["地区信息"]
    assert [c.value for c in info[2]][:4] == ["522732", "三都水族自治县", "县", "522700"]
    assert info["F2"].value == "西部"  # from the province; terrain is left for the clerk to choose


def test_an_ambiguous_name_lists_every_choice(tmp_path: Path) -> None:
    result = run("template", "-s", "mee-2019", "--region", "朝阳区", "-o", str(tmp_path / "t.xlsx"))
    assert result.returncode == 1
    assert "110105（北京市朝阳区）" in result.stderr and "220104（长春市朝阳区）" in result.stderr


def test_what_if_takes_an_indicator_number() -> None:
    result = run("assess", str(SAMPLE), "--standard", "mee-2019", "--format", "json", "--set", "990104:29=90")
    assert result.returncode == 0, result.stderr
    shimen = next(r for r in json.loads(result.stdout)["regions"] if r["code"] == "990104")
    sewage = next(i for i in shimen["indicators"] if i["id"] == "29")
    assert sewage["status"] == "met" and sewage["value"] == 90


def test_selfcheck_and_weakpoints_say_what_evidence_is_still_missing_when_the_data_list_it(tmp_path: Path) -> None:
    checked = run("selfcheck", str(SAMPLE), "--standard", "mee-2019")
    assert checked.returncode == 0, checked.stderr
    shimen = next(line for line in checked.stdout.splitlines() if "提示 石门县（990104）还有" in line)
    assert "第11项" not in shimen and "第29项" not in shimen  # listed in the sample's evidence.csv
    weak = run("weakpoints", str(SAMPLE), "--standard", "mee-2019", "--format", "json")
    gaps = json.loads(weak.stdout)["evidence_missing"]
    assert "11" not in gaps["990104"] and "11" in gaps["990101"]
    # data without an evidence list: no note, no column, nothing guessed
    bare = tmp_path / "数据"
    shutil.copytree(SAMPLE, bare)
    (bare / "evidence.csv").unlink()
    quiet = run("selfcheck", str(bare), "--standard", "mee-2019")
    assert quiet.returncode == 0 and "佐证材料" not in quiet.stdout
    assert "evidence_missing" not in json.loads(run("weakpoints", str(bare), "--standard", "mee-2019", "--format",
                                                    "json").stdout)


# --- the rules in force and their comparison ---------------------------------------------------------------------


def _two_years_later(target: Path) -> Path:
    """The sample with every figure two years later (2021–2025), so 2025 can be judged."""
    import polars as pl

    shutil.copytree(SAMPLE, target)
    for name in ("observations.csv", "assigned.csv"):
        table = pl.read_csv(target / name, infer_schema=False)
        table.with_columns(year=(pl.col("year").cast(pl.Int32) + 2).cast(pl.String)).write_csv(target / name)
    (target / "evidence.csv").unlink()
    return target


def test_assess_without_a_standard_takes_the_rules_in_force_and_says_which_and_why(tmp_path: Path) -> None:
    data = _two_years_later(tmp_path / "数据")
    done = run("assess", str(data), "--year", "2025", "--format", "json")
    assert done.returncode == 0, done.stderr
    said = done.stderr
    assert "2026 年申报适用「《生态文明建设示范区管理规程》（2025 年修订）" in said
    assert "否决项目录：mgmt-2025" in said and "暂以 mee-2019 代替" in said and "结论仅供参考" in said
    result = json.loads(done.stdout)
    assert result["standard"]["id"] == "mee-2019" and result["year"] == 2025
    earlier = run("assess", str(data), "--year", "2024", "--format", "json")
    assert "2025 年申报适用「《生态文明建设示范区管理规程》与" in earlier.stderr and "mgmt-2024" in earlier.stderr
    # a named standard is used as named, and nothing is said about rules
    named = run("assess", str(data), "--standard", "mee-2019", "--year", "2025", "--format", "json")
    assert named.returncode == 0 and "适用规则" not in named.stderr


def test_compare_shows_each_verdict_and_the_indicators_that_move_with_why() -> None:
    done = run("compare", str(SAMPLE), "--standard", "mee-2016-county", "--against", "mee-2019", "--format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["a"]["standard"], result["b"]["standard"]) == ("mee-2016-county", "mee-2019")
    shimen = next(v for v in result["verdicts"] if v["region"] == "990104")
    assert (shimen["verdict_a"], shimen["verdict_b"], shimen["changed"]) == ("incomplete", "not_ready", True)
    assert "第29项" in shimen["reason_b"]
    moved = [i for i in result["indicators"] if i["region"] == "990104"]
    sewage = next(i for i in moved if i["unit_id_b"] == "29")
    assert sewage["status_b"] == "not_met" and "城镇污水处理率" in sewage["why"]
    # the same data under the rules of two application years: the 2025 rules' catalogue asks a question the
    # sample's answers do not cover, so the ready county becomes 资料不全, and the table says so
    years = run("compare", str(SAMPLE), "--standard", "mee-2019", "--against", "2026")
    assert years.returncode == 0, years.stderr
    assert "2026 年申报适用" in years.stderr
    assert "对中央领导同志作出重要指示批示的生态环境问题整改不力" in years.stdout
    assert "两套规则下各项指标的判定相同" in years.stdout


# --- after naming ---------------------------------------------------------------------------------------------------


def test_a_named_county_missing_a_binding_indicator_is_warned_with_a_deadline_and_its_timeline_says_so(
        tmp_path: Path) -> None:
    """青岚县 (named 2021 in the sample's fictional register) lets 城镇污水处理率 fall below 85% in 2022 and recovers in
    2023: 2022's self-assessment warns (黄牌) with a deadline at the end of 2023 (an assumed period, said so); 2023's
    closes it; the timeline lists the naming, the warning, the rectification and the next 复核."""
    data = tmp_path / "数据"
    shutil.copytree(SAMPLE, data)
    observations = (data / "observations.csv").read_text(encoding="utf-8")
    (data / "observations.csv").write_text(observations.replace(
        "990101,2022,urban_sewage_treatment_rate,90.64", "990101,2022,urban_sewage_treatment_rate,80.2"),
        encoding="utf-8")
    done = run("monitor", str(data), "--standard", "mee-2019", "--format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    timeline = [(e["on"], e["event"], e["detail"]) for e in result["timeline"] if e["region"] == "990101"]
    events = [event for _, event, _ in timeline]
    assert events == ["命名", "2021 年自评：正常", "2022 年自评：警告（黄牌）", "2023 年自评：整改完成",
                      "复核评估（预计）"]
    warning = timeline[2][2]
    assert "第29项" in warning and "整改期限 2023-12-31（期限为假定）" in warning
    assert timeline[-1][0] == "2027-10-11"  # six years after naming (SEC)
    qinglan = next(s for s in result["standings"] if s["region"] == "990101")
    assert qinglan["standing"] == "normal" and qinglan["deadline"] is None
    # judged at the end of 2022 the place stands warned, with its deadline
    cut = tmp_path / "截至2022"
    shutil.copytree(data, cut)
    lines = (cut / "observations.csv").read_text(encoding="utf-8").splitlines()
    (cut / "observations.csv").write_text("\n".join(row for row in lines if ",2023," not in row) + "\n",
                                          encoding="utf-8")
    warned = json.loads(run("monitor", str(cut), "--standard", "mee-2019", "--format", "json").stdout)
    qinglan = next(s for s in warned["standings"] if s["region"] == "990101")
    assert (qinglan["standing"], qinglan["deadline"], qinglan["deadline_assumed"]) == ("warning", "2023-12-31", True)
    shown = run("monitor", str(cut), "--standard", "mee-2019")
    assert "警告（黄牌）" in shown.stdout and "2023-12-31（假定）" in shown.stdout


def test_a_named_register_without_a_source_is_refused_where_it_says(tmp_path: Path) -> None:
    data = tmp_path / "数据"
    shutil.copytree(SAMPLE, data)
    (data / "named.csv").write_text("region,title,batch,named_on,document,source\n990101,示范区,第五批,2021-10-11,,\n",
                                    encoding="utf-8")
    refused = run("monitor", str(data), "--standard", "mee-2019")
    assert refused.returncode != 0 and "named.csv，第 2 行，字段「source」" in refused.stderr


@pytest.mark.parametrize("typed", ["[abc]", "[/abc]", "[bold]85"])
def test_an_error_quotes_the_cell_as_typed_whatever_brackets_it_holds(tmp_path: Path, typed: str) -> None:
    """The error names the file, the row and the field and quotes the value as the clerk typed it: "[abc]" was
    read as rich markup and vanished from the message, and "[/abc]" crashed the command with a traceback."""
    folder = tmp_path / "数据[2023]"
    shutil.copytree(SAMPLE, folder)
    lines = (folder / "observations.csv").read_text(encoding="utf-8").splitlines()
    header, first = lines[0].split(","), lines[1].split(",")
    first[header.index("value")] = typed
    (folder / "observations.csv").write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n",
                                             encoding="utf-8")
    result = run("assess", str(folder), "--standard", "mee-2019")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("错误：") and f"「{typed}」" in result.stderr, result.stderr
    assert "数据[2023]" in result.stderr and "第 2 行" in result.stderr  # the path as it is, and where


@pytest.mark.parametrize("command", ["assess", "selfcheck", "weakpoints", "board", "plan"])
def test_a_name_in_square_brackets_prints_as_written_in_every_terminal_table(tmp_path: Path, command: str) -> None:
    """Rich reads "[…]" as markup: a county's own name must never be swallowed or restyled, whichever table shows
    it (the consoles read no markup; colours are styles given by printing.plain_row)."""
    folder = tmp_path / "数据"
    shutil.copytree(SAMPLE, folder)
    regions = (folder / "regions.csv").read_text(encoding="utf-8")
    (folder / "regions.csv").write_text(regions.replace("石门县", "[bold]石门县[/bold]"), encoding="utf-8")
    result = run(command, str(folder), "--standard", "mee-2019")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "石门县" in line]
    assert lines and all("[bold]石门县" in line for line in lines), lines


@pytest.mark.parametrize(("args", "said"), [
    # 198 KB piped, the last region last
    (["assess", str(SAMPLE), "-s", "mee-2019"], "鹤鸣县（990108）"),
    (["assess", str(SAMPLE), "-s", "mee-2019", "-f", "json"], '"990108"'),  # JSON on stdout (click's echo)
    (["assess", str(SAMPLE), "-s", "mee-1999"], "没有编号为「mee-1999」的标准"),  # an error: its message, status 1
])
def test_the_program_says_everything_before_it_leaves(args: list[str], said: str) -> None:
    """The installed program ends without the interpreter's teardown (``cli.app.run``): what it prints and the
    status it returns are exactly those of the same command ending the usual way (``main``)."""
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as in a user's shell
    quick = subprocess.run([ECOZONE, *args], capture_output=True, text=True, timeout=120, env=buffered)
    usual = subprocess.run([sys.executable, "-c", f"import sys; sys.argv = ['ecozone', *{args!r}]\n"
                            "from ecozone.cli import main\nmain()"], capture_output=True, text=True, timeout=120,
                           env=buffered)
    assert (quick.returncode, quick.stdout, quick.stderr) == (usual.returncode, usual.stdout, usual.stderr)
    assert said in quick.stdout + quick.stderr
