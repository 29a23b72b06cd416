"""佐证材料 of a region's indicators: kept in the store with what they prove, and the application dossier."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from ecozone.catalogue import load_standard
from ecozone.errors import EcozoneError, InputError, Location
from ecozone.io.answers import parse_date
from ecozone.io.evidence_files import MAX_EVIDENCE_BYTES
from ecozone.store.repository import Issued, evidence_table, save_file
from ecozone.web.routes.pages import _region_page
from ecozone.web.security import allowed, check_csrf, database, state, viewer
from ecozone.web.views import region_view

router = APIRouter(include_in_schema=False)


@router.post("/regions/{code}/evidence")
async def upload_evidence(
    code: str, request: Request, csrf: Annotated[str, Form()], session: Annotated[Session, Depends(database)],
    indicator: Annotated[str, Form(max_length=20)], year: Annotated[str, Form(max_length=10)],
    evidence: Annotated[UploadFile, File()], issuer: Annotated[str, Form(max_length=200)] = "",
    document: Annotated[str, Form(max_length=200)] = "", date: Annotated[str, Form(max_length=20)] = "",
    replaces: Annotated[str, Form(max_length=12)] = "",
) -> Any:
    """Keep one evidence file of an indicator (or a new version of one), checked by its bytes; refused beside the
    form, nothing kept."""
    who = viewer(request)
    check_csrf(request, csrf)
    allowed(who, "edit", code)  # before the file is read
    standard = load_standard(state(request).standard)
    typed = {"indicator": indicator, "year": year, "issuer": issuer, "document": document, "date": date,
             "replaces": replaces}
    try:
        ids = {i.id for i in standard.standard.indicators} | {s.id for i in standard.standard.indicators
                                                              for s in i.items}
        if indicator not in ids:
            raise InputError(f"没有第「{indicator}」项指标", Location(field="指标"), expected="指标序号，如 11 或 7.1")
        if not (year.isdigit() and 1990 <= int(year) <= 2100):
            raise InputError(f"「{year}」不是年度", Location(field="年度"), expected="如 2023")
        if replaces and not replaces.isdigit():
            raise InputError(f"「{replaces}」不是文件编号", Location(field="替换"))
        data = await evidence.read(MAX_EVIDENCE_BYTES + 1)
        issued = Issued(int(year), issuer.strip() or None, document.strip() or None,
                        str(parse_date(date)) if date.strip() else None)
        with session.begin():
            save_file(session, who.actor, "indicator", code, evidence.filename or "", data, evidence.content_type,
                      indicator, issued, replaces=int(replaces) if replaces else None)
    except EcozoneError as exc:
        session.rollback()
        return _region_page(request, session, code, status=422, evidence_error=exc.message, evidence_typed=typed)
    return RedirectResponse(f"/regions/{code}?done=evidence#evidence", status_code=303)


@router.get("/regions/{code}/dossier.zip", summary="申报材料包")
def dossier_zip(code: str, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    """The same dossier as ``ecozone dossier``, with the evidence kept in the store."""
    from ecozone.reports.dossier import write_dossier

    who = viewer(request)
    allowed(who, "view", code)
    view = region_view(session, who.actor, load_standard(state(request).standard), code)
    if view is None or view.evaluation is None:
        raise HTTPException(status_code=404, detail=f"没有地区 {code} 的数据，无法生成申报材料")
    folder = Path(tempfile.mkdtemp(prefix="ecozone-dossier-"))
    table = evidence_table(session, who.actor, code, folder / "files")
    target = folder / f"{view.name}{code}_申报材料.zip"
    write_dossier(view.evaluation, code, table, target)
    return FileResponse(target, media_type="application/zip", background=BackgroundTask(shutil.rmtree, folder, True),
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(target.name)}"})
