"""Supplier portal: submit an e-invoice and see the validation report at once; own invoices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile

from dms.web.ui import backend
from dms.web.ui.context import InvoiceSubmitter, PortalUser, user_message, verify_csrf
from dms.web.ui.rendering import render
from dms.web.ui.routing import UiRoute

router = APIRouter(route_class=UiRoute, include_in_schema=False)


@router.get("/portal/upload")
def upload_form(request: Request, user: PortalUser) -> Response:
    return render(request, "portal/upload.html", {"outcome": None})


@router.post("/portal/upload", dependencies=[Depends(verify_csrf)])
async def upload(request: Request, file: Annotated[UploadFile, File()], user: InvoiceSubmitter) -> Response:
    data = await file.read()
    try:
        outcome = backend.submit_invoice(request, user, file.filename or "rechnung.xml", data)
    except backend.UserError as exc:
        ctx = {"outcome": {"accepted": False, "error": user_message(request, exc), "report": None}}
        return render(request, "portal/upload.html", ctx, status_code=exc.status)
    status = 201 if outcome["accepted"] else 422
    return render(request, "portal/upload.html", {"outcome": outcome}, status_code=status)


@router.get("/portal/invoices")
def own_invoices(request: Request, user: PortalUser) -> Response:
    return render(request, "portal/invoices.html", {"items": backend.supplier_invoices(request, user)})
