"""The board of a prefecture or province: verdicts, the status matrix, weak points per county, the phased
plan with a per-year cap, the map, and the downloads (总表 workbook, every county's reports as one zip)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ecozone import api
from ecozone.catalogue import load_standard
from ecozone.errors import EcozoneError, InputError, Location, ScopeError
from ecozone.io.geojson import APPROVAL_EXAMPLE, MAX_MAP_BYTES
from ecozone.store import workflow
from ecozone.store.ledger import ledger, open_counts
from ecozone.store.maps import current_map, save_map
from ecozone.store.named import import_named, named_board
from ecozone.store.requests import completeness
from ecozone.vocabulary import STANDING
from ecozone.web.downloads import sent_and_removed
from ecozone.web.routes.pages import may, page
from ecozone.web.security import Viewer, allowed, check_csrf, database, state, viewer, viewer_or_none
from ecozone.web.views import BoardView, board_view, named_view

router = APIRouter(include_in_schema=False)

MAX_CAP = 999
REPORT_FORMATS = {"docx": "Word", "pdf": "PDF", "xlsx": "Excel", "html": "网页"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cap(text: str) -> tuple[int | None, str | None]:
    """The per-year cap as typed: blank is no cap; anything else must be a whole number in range."""
    text = text.strip()
    if not text:
        return None, None
    if not text.isdigit() or not 1 <= int(text) <= MAX_CAP:
        return None, f"「{text[:20]}」不是每年申报数量上限（应为 1 至 {MAX_CAP} 的整数，不限则留空）"
    return int(text), None


def _board(request: Request, session: Session, who: Viewer) -> BoardView:
    return board_view(session, who.actor, load_standard(state(request).standard))


@router.get("/", response_class=HTMLResponse)
def board(request: Request, session: Annotated[Session, Depends(database)],
          cap: Annotated[str, Query(max_length=40)] = "", shown: Annotated[str, Query(alias="map")] = "") -> Any:
    who = viewer_or_none(request)
    if who is None:
        return RedirectResponse("/login", status_code=303)
    if who.role == "county":  # a county has no board: its own page is its board
        return RedirectResponse(f"/regions/{who.region}", status_code=303)
    if who.role == "department":  # a department sees its requests, not the whole board
        return RedirectResponse("/requests", status_code=303)
    if who.role == "expert":  # an expert sees the ledger of the assigned regions
        return RedirectResponse("/ledger", status_code=303)
    return _page(request, session, who, cap, tiles_only=shown == "tiles")


def _page(request: Request, session: Session, who: Viewer, cap_text: str, *, tiles_only: bool = False,
          status_code: int = 200, **shown: Any) -> Any:
    view = _board(request, session, who)
    cap, cap_error = _cap(cap_text)
    boundaries = None if tiles_only else current_map(session, who.actor)
    return page(request, who, "board.html", board=view, plan=view.plan_with(cap), cap=cap, cap_text=cap_text,
                cap_error=cap_error, boundaries=boundaries, can_map=may(who, "map", who.region),
                formats=REPORT_FORMATS, approval_example=APPROVAL_EXAMPLE, status_code=status_code,
                notices=workflow.notices(session, who.actor), complete=completeness(session, who.actor),
                findings=open_counts(ledger(session, who.actor)),
                named=named_view(session, who.actor, load_standard(state(request).standard)), **shown)


@router.get("/board/summary.xlsx", summary="总表：各地结论、指标明细、否决项与分期分批")
def summary_workbook(request: Request, session: Annotated[Session, Depends(database)],
                     cap: Annotated[str, Query(max_length=40)] = "") -> Any:
    """The evaluation's results workbook (as ``ecozone assess -o``) with the plan at the cap shown on the board."""
    who = viewer(request)
    view = _board(request, session, who)
    if view.evaluation is None:
        raise HTTPException(status_code=404, detail="权限范围内还没有数据，无法生成总表")
    limit, error = _cap(cap)
    if error:
        raise HTTPException(status_code=422, detail=error)
    from ecozone.reports.workbook import write_results_workbook

    folder = tempfile.mkdtemp(prefix="ecozone-board-")
    path = Path(folder) / f"评估总表_{who.region}_{view.year}.xlsx"
    write_results_workbook(view.evaluation, path, with_plan=True, plan_cap=limit)
    return _file(path, XLSX, folder)


@router.get("/board/reports.zip", summary="各地报告打包下载")
def reports_zip(request: Request, session: Annotated[Session, Depends(database)],
                formats: Annotated[list[str] | None, Query()] = None) -> Any:
    """Every region's reports in the chosen formats, and the 总表, as one zip."""
    who = viewer(request)
    chosen = [f for f in REPORT_FORMATS if f in (formats or ["docx", "xlsx", "pdf"])]
    unknown = sorted(set(formats or []) - set(REPORT_FORMATS))
    if unknown or not chosen:
        raise HTTPException(status_code=422, detail=f"报告格式「{'、'.join(unknown) or '（未选）'}」不可用"
                                                    f"（应为 {'、'.join(REPORT_FORMATS)} 中的一种或几种）")
    view = _board(request, session, who)
    if view.evaluation is None:
        raise HTTPException(status_code=404, detail="权限范围内还没有数据，无法生成报告")
    from ecozone.web.jobs import reports_archive

    folder = Path(tempfile.mkdtemp(prefix="ecozone-zip-"))
    target = reports_archive(view.evaluation, chosen, folder, who.region)
    return _file(target, "application/zip", str(folder))


def _file(path: Path, media: str, folder: str) -> FileResponse:
    return sent_and_removed(path, folder, media)


@router.post("/board/map", response_class=HTMLResponse)
async def upload_map(request: Request, csrf: Annotated[str, Form()], session: Annotated[Session, Depends(database)],
                     boundaries: Annotated[UploadFile, File()], approval: Annotated[str, Form(max_length=80)] = "",
                     ) -> Any:
    """Keep the user's county boundaries (GeoJSON) with its 审图号; refused in place, nothing kept, if wrong."""
    who = viewer(request)
    check_csrf(request, csrf)
    allowed(who, "map", who.region)  # before the file is read
    data = await boundaries.read(MAX_MAP_BYTES + 1)
    try:
        with session.begin():
            kept = save_map(session, who.actor, data, boundaries.filename or "地图.geojson", approval)
    except EcozoneError as exc:
        session.rollback()
        return _page(request, session, who, "", status_code=422, map_error=exc.message, approval_typed=approval)
    said = f"已保存县界地图（审图号 {kept.approval}），对应 {len(kept.matched)} 个地区"
    if kept.without:
        said += f"；{len(kept.without)} 个地区没有边界：{'、'.join(kept.without[:10])}"
    if kept.unmatched:
        said += f"；{len(kept.unmatched)} 个要素不在权限范围内，显示为灰色：{'、'.join(kept.unmatched[:10])}"
    return _page(request, session, who, "", map_saved=said)


@router.get("/board/compare", response_class=HTMLResponse)
def compare_page(request: Request, session: Annotated[Session, Depends(database)],
                 against: Annotated[str, Query(max_length=40)] = "") -> Any:
    """The scope's data under the server's rules and under other rules (a pack id, or an application year whose
    rules in force the regime file gives): each region's verdict under both, and the indicators that move."""
    from ecozone.store.repository import evaluable_dataset

    who = viewer(request)
    view = _board(request, session, who)
    standard = load_standard(state(request).standard)
    result = error = chosen = None
    if against.strip():
        try:
            if view.evaluation is None:
                raise InputError("权限范围内还没有数据", Location(field="数据"))
            dataset = evaluable_dataset(session, who.actor, standard)
            other, chosen = api.rules_named(against.strip(), dataset)
            result = api.compare_rules(dataset, standard, other, view.evaluation.year)
        except EcozoneError as exc:
            error = exc.message
    return page(request, who, "compare.html", against=against, result=result, error=error, chosen=chosen,
                standard=standard, status_code=422 if error else 200)


@router.get("/board/named", response_class=HTMLResponse)
def named_board_page(request: Request, session: Annotated[Session, Depends(database)],
                     standing: Annotated[str, Query(max_length=20)] = "") -> Any:
    """The board of the scope's named places only: standing, what falls due next and when, the latest annual
    self-assessment submitted, the ledger's open problems; optionally one standing."""
    who = viewer(request)
    if standing and standing not in STANDING:
        raise InputError(f"没有「{standing}」这种现状", Location(field="现状"), expected="、".join(STANDING.values()))
    named = named_view(session, who.actor, load_standard(state(request).standard))
    rows = [] if named is None else named_board(session, who.actor, named.standings,
                                                open_counts(ledger(session, who.actor)), standing or None)
    counts = {} if named is None else dict(named.standings.group_by("standing").len().iter_rows())
    return page(request, who, "board_named.html", rows=rows, counts=counts, standing=standing,
                any_named=named is not None, today=dt.date.today())


MAX_NAMED_BYTES = 5 * 1024 * 1024


@router.post("/board/named", response_class=HTMLResponse)
async def upload_named(request: Request, csrf: Annotated[str, Form()], session: Annotated[Session, Depends(database)],
                       named: Annotated[UploadFile, File()]) -> Any:
    """Add or update named places from a list (named.csv or xlsx, a source on every row); a place the list does
    not mention stays."""
    import tempfile as files

    who = viewer(request)
    check_csrf(request, csrf)
    allowed(who, "map", who.region)  # before the file is read
    data = await named.read(MAX_NAMED_BYTES + 1)
    suffix = Path(named.filename or "named.csv").suffix.lower()
    try:
        if len(data) > MAX_NAMED_BYTES:
            raise InputError("名单文件太大", Location(field="文件"), expected="不超过 5 MB")
        if suffix not in (".csv", ".xlsx"):
            raise InputError(f"不接受「{suffix or '无扩展名'}」文件", Location(field="文件"), expected=".csv 或 .xlsx")
        with files.TemporaryDirectory() as folder:
            path = Path(folder) / f"named{suffix}"
            path.write_bytes(data)
            with session.begin():
                added, changed = import_named(session, who.actor, path)
    except ScopeError:
        raise
    except EcozoneError as exc:
        session.rollback()
        return _page(request, session, who, "", status_code=422, named_error=exc.message)
    return _page(request, session, who, "", named_saved=f"已导入已命名名单：新增 {added} 条，更新 {changed} 条")


@router.get("/board/map.json", summary="县界地图（GeoJSON）")
def map_json(request: Request, session: Annotated[Session, Depends(database)]) -> Response:
    who = viewer(request)
    kept = current_map(session, who.actor)
    if kept is None:
        raise HTTPException(status_code=404, detail="还没有上传县界地图")
    return JSONResponse(kept.geojson, media_type="application/geo+json")
