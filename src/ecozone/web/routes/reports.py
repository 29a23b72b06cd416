"""Report downloads: the same Word, PDF, HTML and Excel files as ``ecozone report``, for one region."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ecozone import api
from ecozone.catalogue import load_standard
from ecozone.web.downloads import attachment
from ecozone.web.security import allowed, database, state, viewer
from ecozone.web.views import region_view

router = APIRouter(tags=["报告"])

MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Format = Literal["docx", "pdf", "html", "xlsx"]


@router.get("/api/regions/{code}/reports/{fmt}", summary="下载一个地区的报告（docx / pdf / html / xlsx）",
            responses={200: {"content": {m: {} for m in MEDIA.values()}}})
def report(code: str, fmt: Format, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    who = viewer(request)
    allowed(who, "view", code)
    view = region_view(session, who.actor, load_standard(state(request).standard), code)
    if view is None or view.evaluation is None:
        raise HTTPException(status_code=404, detail=f"没有地区 {code} 的数据，无法生成报告")
    with tempfile.TemporaryDirectory() as folder:
        written = api.write_region_reports(view.evaluation, [fmt], [code], Path(folder))
        path = written[code][fmt]
        body = path.read_bytes()
    return Response(body, media_type=MEDIA[fmt], headers=attachment(path.name))
