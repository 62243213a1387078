"""Records manager pages: due list, legal holds, disposal requests (four eyes), certificates, hand-over."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from dms.web.ui import backend
from dms.web.ui.context import (
    Disposer,
    HoldKeeper,
    PlanRefresher,
    RecordsUser,
    language,
    user_message,
    verify_csrf,
)
from dms.web.ui.i18n import Translator
from dms.web.ui.rendering import apply_security_headers, render
from dms.web.ui.routing import UiRoute, redirect

router = APIRouter(route_class=UiRoute, include_in_schema=False)


def _as_of(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else date.today()
    except ValueError:
        return date.today()


@router.get("/records/due")
def due(
    request: Request, user: RecordsUser, as_of: str | None = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    day = _as_of(as_of)
    plan = backend.retention_due(request, user, day, page)
    return render(request, "records/due.html", {"plan": plan, "as_of": day, "error": None})


@router.post("/records/due/refresh", dependencies=[Depends(verify_csrf)])
def refresh_due(
    request: Request, user: PlanRefresher, as_of: Annotated[str, Form(max_length=10)] = ""
) -> Response:
    """'Neu berechnen': recompute the whole plan in the background; the page shows the stored one meanwhile."""
    day = _as_of(as_of)
    backend.refresh_due(request, user, day)
    return redirect(f"/records/due?as_of={day.isoformat()}&msg=plan_refreshing")


@router.get("/records/holds")
def holds(request: Request, user: RecordsUser) -> Response:
    return render(request, "records/holds.html", {"holds": backend.holds(request, user), "error": None})


@router.post("/records/holds", dependencies=[Depends(verify_csrf)])
def create_hold(
    request: Request,
    document_id: Annotated[int, Form(ge=1)],
    reason: Annotated[str, Form(min_length=3, max_length=1000)],
    user: HoldKeeper,
) -> Response:
    try:
        backend.create_hold(request, user, document_id, reason.strip())
    except backend.UserError as exc:
        ctx = {"holds": backend.holds(request, user), "error": user_message(request, exc)}
        return render(request, "records/holds.html", ctx, exc.status)
    return redirect("/records/holds?msg=hold_created")


@router.post("/records/holds/{hold_id}/release", dependencies=[Depends(verify_csrf)])
def release_hold(request: Request, hold_id: int, user: HoldKeeper) -> Response:
    backend.release_hold(request, user, hold_id)
    return redirect("/records/holds?msg=hold_released")


@router.get("/records/disposals")
def disposals(request: Request, user: RecordsUser) -> Response:
    ctx = {"disposals": backend.disposals(request, user), "error": None}
    return render(request, "records/disposals.html", ctx)


@router.post("/records/disposals", dependencies=[Depends(verify_csrf)])
async def create_disposal(request: Request, user: Disposer) -> Response:
    form = await request.form()
    ids = [int(v) for v in form.getlist("document_ids") if isinstance(v, str) and v.isdigit()]
    t = Translator(language(request))
    if not ids:
        ctx = {"plan": backend.retention_due(request, user, date.today()), "as_of": date.today()}
        return render(request, "records/due.html", {**ctx, "error": t("records.select_some")}, 422)
    try:
        backend.create_disposal(request, user, ids)
    except backend.UserError as exc:
        ctx = {"disposals": backend.disposals(request, user), "error": user_message(request, exc)}
        return render(request, "records/disposals.html", ctx, exc.status)
    return redirect("/records/disposals?msg=disposal_requested")


@router.post("/records/disposals/{disposal_id}/approve", dependencies=[Depends(verify_csrf)])
def approve_disposal(request: Request, disposal_id: int, user: Disposer) -> Response:
    try:
        backend.approve_disposal(request, user, disposal_id)
    except backend.UserError as exc:
        ctx = {"disposals": backend.disposals(request, user), "error": user_message(request, exc)}
        return render(request, "records/disposals.html", ctx, exc.status)
    return redirect("/records/disposals?msg=disposal_approved")


@router.get("/records/disposals/{disposal_id}/certificate")
def certificate(request: Request, disposal_id: int, user: RecordsUser, fmt: str = "json") -> Response:
    data, media, filename = backend.certificate(request, user, disposal_id, fmt)
    response = JSONResponse(data) if media == "application/json" else Response(data, media_type=media)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    apply_security_headers(response.headers)
    return response


@router.get("/records/archive")
def archive(request: Request, user: RecordsUser) -> Response:
    ctx = {"data": backend.archive_handover(request, user), "error": None, "imported": None}
    return render(request, "records/archive.html", ctx)


@router.post("/records/archive/offer", dependencies=[Depends(verify_csrf)])
def archive_offer(
    request: Request, user: Disposer, as_of: Annotated[str, Form(max_length=10)] = ""
) -> Response:
    """Creates the xdomea 0501 offer list (a recorded hand-over process) and downloads it."""
    xml, filename = backend.archive_offer(request, user, _as_of(as_of))
    response = Response(xml, media_type="application/xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    apply_security_headers(response.headers)
    return response


@router.post("/records/archive/messages", dependencies=[Depends(verify_csrf)])
async def archive_message(request: Request, file: Annotated[UploadFile, File()], user: Disposer) -> Response:
    """Import the archive's answer (0502 appraisal, 0506 import confirmation, receipts; XML or zip)."""
    data = await file.read()
    try:
        out = backend.archive_import(request, user, data)
    except backend.UserError as exc:
        ctx = {"data": backend.archive_handover(request, user), "error": user_message(request, exc), "imported": None}
        return render(request, "records/archive.html", ctx, exc.status)
    ctx = {"data": backend.archive_handover(request, user), "error": None, "imported": out}
    return render(request, "records/archive.html", ctx)


@router.post("/records/archive/{process_id}/transfer", dependencies=[Depends(verify_csrf)])
def archive_transfer(request: Request, process_id: str, user: Disposer) -> Response:
    """The 0503 transfer package (zip) with the primary documents the archive selected."""
    name, data = backend.archive_transfer(request, user, process_id)
    response = Response(data, media_type="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    apply_security_headers(response.headers)
    return response
