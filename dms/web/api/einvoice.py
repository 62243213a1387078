"""``POST /api/v1/einvoice/validate``: validate an uploaded e-invoice, store nothing.

Any authenticated user (suppliers pre-check their invoices). Multipart field ``file``; the answer is the
validation report (the CLI's JSON shape), or the German HTML report with ``?format=html``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse

from dms.errors import PayloadTooLarge
from dms.web.deps import AUTHENTICATED_DEP, ContainerDep
from einvoice.validation.engine import fatal_report, validate
from einvoice.xmlsafe import MAX_XML_BYTES

router = APIRouter(prefix="/api/v1/einvoice", tags=["einvoice"])

#: Largest upload read; anything larger is reported as unreadable without reading it all.
MAX_UPLOAD_BYTES = MAX_XML_BYTES


@router.post(
    "/validate",
    response_model=None,
    responses={
        200: {
            "description": "The validation report: JSON (default) or the German HTML report (?format=html)",
            "content": {"application/json": {"schema": {"type": "object"}}, "text/html": {}},
        }
    },
)
def validate_upload(
    principal: AUTHENTICATED_DEP,
    container: ContainerDep,
    file: Annotated[
        UploadFile, File(description="E-invoice: XRechnung/EN 16931 XML or ZUGFeRD/Factur-X PDF")
    ],
    format: Annotated[Literal["json", "html"], Query(description="json (default) or html")] = "json",
) -> Any:
    """Validate against EN 16931, the UBL/CII bindings and XRechnung 3.0; nothing is stored.

    An empty file is 422 and one over ``AKTENWERK_MAX_UPLOAD_BYTES`` is 413 (like ``POST /invoices``)."""
    del principal  # authentication is the only requirement
    limit = container.settings.max_upload_bytes
    data = file.file.read(max(limit, MAX_UPLOAD_BYTES) + 1)
    name = file.filename or None
    if len(data) > limit:
        raise PayloadTooLarge(f"Datei größer als {limit} Bytes.")
    if not data:
        report = fatal_report(name, "(empty: the file has 0 bytes)")
        return JSONResponse({"detail": "Die Datei ist leer.", **report.to_dict()}, status_code=422)
    if len(data) > MAX_UPLOAD_BYTES:
        report = fatal_report(name, f"(too-large: more than {MAX_UPLOAD_BYTES} bytes)")
    else:
        report = validate(data, name)
    if format == "html":
        return HTMLResponse(report.to_html())
    return JSONResponse(report.to_dict())
