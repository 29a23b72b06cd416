"""佐证材料 of a region's indicators: kept in the store with what they prove, and the application dossier."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ecozone.catalogue import load_standard
from ecozone.errors import EcozoneError, InputError, Location
from ecozone.io.answers import parse_date
from ecozone.io.evidence_files import MAX_EVIDENCE_BYTES
from ecozone.io.validate import FIRST_YEAR
from ecozone.store.repository import Actor, Issued, evidence_table, save_file
from ecozone.web.downloads import sent_and_removed
from ecozone.web.routes.pages import _region_page
from ecozone.web.security import allowed, check_csrf, database, state, viewer
from ecozone.web.views import region_view

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class EvidenceForm:
    """An evidence upload as the forms send it (the region page's and a data request's)."""

    indicator: str
    year: str
    evidence: UploadFile
    issuer: str
    document: str
    date: str
    replaces: str

    @property
    def typed(self) -> dict[str, str]:
        """What was typed, to show again beside a refusal."""
        return {"indicator": self.indicator, "year": self.year, "issuer": self.issuer, "document": self.document,
                "date": self.date, "replaces": self.replaces}


def evidence_form(
    indicator: Annotated[str, Form(max_length=20)], year: Annotated[str, Form(max_length=10)],
    evidence: Annotated[UploadFile, File()], issuer: Annotated[str, Form(max_length=200)] = "",
    document: Annotated[str, Form(max_length=200)] = "", date: Annotated[str, Form(max_length=20)] = "",
    replaces: Annotated[str, Form(max_length=12)] = "",
) -> EvidenceForm:
    return EvidenceForm(indicator, year, evidence, issuer, document, date, replaces)


async def keep_evidence(session: Session, actor: Actor, region: str, form: EvidenceForm, indicators: Collection[str],
                        years: range) -> None:
    """Check what the form says the file proves, read the file (bounded), keep it through ``save_file`` (checked by
    its bytes, one transaction): the one road of both evidence forms."""
    if form.indicator not in indicators:
        raise InputError(f"没有第「{form.indicator}」项指标", Location(field="指标"),
                         expected="、".join(list(indicators)[:6]) + ("…" if len(indicators) > 6 else ""))
    if not (form.year.isdigit() and int(form.year) in years):
        raise InputError(f"「{form.year}」不是可选的年度", Location(field="年度"), expected=f"{years[0]}–{years[-1]}")
    if form.replaces and not form.replaces.isdigit():
        raise InputError(f"「{form.replaces}」不是文件编号", Location(field="替换"))
    data = await form.evidence.read(MAX_EVIDENCE_BYTES + 1)
    issued = Issued(int(form.year), form.issuer.strip() or None, form.document.strip() or None,
                    str(parse_date(form.date)) if form.date.strip() else None)
    save_file(session, actor, "indicator", region, form.evidence.filename or "", data, form.evidence.content_type,
              form.indicator, issued, replaces=int(form.replaces) if form.replaces else None)


@router.post("/regions/{code}/evidence")
async def upload_evidence(
    code: str, request: Request, csrf: Annotated[str, Form()], session: Annotated[Session, Depends(database)],
    form: Annotated[EvidenceForm, Depends(evidence_form)],
) -> Any:
    """Keep one evidence file of an indicator (or a new version of one), checked by its bytes; refused beside the
    form, nothing kept."""
    who = viewer(request)
    check_csrf(request, csrf)
    allowed(who, "edit", code)  # before the file is read
    standard = load_standard(state(request).standard)
    ids = standard.unit_ids()
    try:
        with session.begin():
            await keep_evidence(session, who.actor, code, form, ids, range(FIRST_YEAR, dt.date.today().year + 1))
    except EcozoneError as exc:
        session.rollback()
        return _region_page(request, session, code, status=422, evidence_error=exc.message, evidence_typed=form.typed)
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
    return sent_and_removed(target, folder, "application/zip")
