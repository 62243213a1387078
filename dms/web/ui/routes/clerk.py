"""Clerk pages: inbox, search (facets, highlights, saved searches), document, Akte, upload."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from dms.web.ui import backend
from dms.web.ui.context import (
    AkteCloser,
    AktenUser,
    DocumentsUser,
    DocumentUploader,
    DocumentWriter,
    InboxUser,
    SearchUser,
    UploadUser,
    user_message,
    verify_csrf,
)
from dms.web.ui.rendering import apply_security_headers, render
from dms.web.ui.routing import UiRoute, redirect

router = APIRouter(route_class=UiRoute, include_in_schema=False)

#: Search form filter fields → query-language field the search package understands.
FILTERS = ("document_type", "department", "correspondent", "tag", "year", "akte")
SORTS = ("relevance", "date_desc", "date_asc")


@router.get("/inbox")
def inbox(request: Request, user: InboxUser, page: int = 1) -> Response:
    data = backend.inbox(request, user, page=max(page, 1))
    return render(request, "clerk/inbox.html", {"data": data})


@router.get("/search")
def search(
    request: Request,
    user: SearchUser,
    q: str = "",
    sort: str = "relevance",
    page: int = 1,
) -> Response:
    filters = {name: request.query_params.get(name, "") for name in FILTERS}
    filters = {k: v for k, v in filters.items() if v}
    sort = sort if sort in SORTS else "relevance"
    result = backend.search(request, user, q=q, filters=filters, sort=sort, page=max(page, 1)) if (q or filters) else None
    base_params = {"q": q, "sort": sort, **filters}

    def link(**changes: str | None) -> str:
        params = {**base_params, **changes}
        return "/search?" + urlencode({k: v for k, v in params.items() if v})

    ctx = {
        "q": q,
        "sort": sort,
        "sorts": SORTS,
        "filters": filters,
        "result": result,
        "link": link,
        "saved": backend.saved_searches(request, user),
        "query_string": urlencode({k: v for k, v in base_params.items() if v}),
    }
    template = "clerk/_results.html" if request.headers.get("HX-Request") == "true" else "clerk/search.html"
    return render(request, template, ctx)


@router.post("/search/saved", dependencies=[Depends(verify_csrf)])
def save_search(
    request: Request,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    query_string: Annotated[str, Form(max_length=2000)],
    user: SearchUser,
) -> Response:
    backend.save_search(request, user, name.strip(), query_string)
    return redirect("/search?" + query_string + ("&" if query_string else "") + "msg=search_saved")


@router.get("/documents/{doc_id}")
def document(request: Request, doc_id: int, user: DocumentsUser) -> Response:
    doc = backend.document(request, user, doc_id)
    return render(request, "clerk/document.html", {"doc": doc, "errors": {}})


@router.get("/documents/{doc_id}/audit")
def document_audit(request: Request, doc_id: int, user: DocumentsUser) -> Response:
    """The audit trail, loaded on demand by the document page (a whole page without JavaScript)."""
    rows = backend.audit_trail(request, user, doc_id)
    fragment = request.headers.get("HX-Request") == "true"
    template = "clerk/_audit.html" if fragment else "clerk/audit.html"
    return render(request, template, {"rows": rows, "doc_id": doc_id})


@router.post("/documents/{doc_id}", dependencies=[Depends(verify_csrf)])
async def update_document(request: Request, doc_id: int, user: DocumentWriter) -> Response:
    form = await request.form()
    fields = {
        key: str(form.get(key, "")).strip()
        for key in ("title", "document_type", "correspondent", "tags", "document_date")
        if key in form
    }
    errors = backend.update_document(request, user, doc_id, fields)
    if errors:
        doc = backend.document(request, user, doc_id)
        return render(request, "clerk/document.html", {"doc": doc, "errors": errors}, status_code=422)
    return redirect(f"/documents/{doc_id}?msg=saved")


@router.get("/documents/{doc_id}/preview/{page_no}.png")
def preview(request: Request, doc_id: int, page_no: int, user: DocumentsUser) -> Response:
    png = backend.preview_png(request, user, doc_id, page_no)
    response = Response(png, media_type="image/png")
    response.headers["Cache-Control"] = "private, max-age=300"
    apply_security_headers(response.headers)
    return response


@router.get("/documents/{doc_id}/download")
def download(request: Request, doc_id: int, user: DocumentsUser, version: int | None = None) -> Response:
    return backend.original_response(request, user, doc_id, version)


@router.get("/upload")
def upload_form(request: Request, user: UploadUser) -> Response:
    return render(request, "clerk/upload.html", _upload_context(request, user, None))


def _upload_context(request: Request, user: Any, results: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {
        "akten": backend.akten_for_select(request, user),
        "classes": backend.retention_classes(request, user),
        "results": results,
    }


@router.post("/upload", dependencies=[Depends(verify_csrf)])
async def upload(
    request: Request,
    *,
    files: Annotated[list[UploadFile], File()],
    user: DocumentUploader,
    title: Annotated[str, Form(max_length=500)] = "",
    document_type: Annotated[str, Form(max_length=64)] = "",
    akte_id: Annotated[str, Form(max_length=20)] = "",
    document_date: Annotated[str, Form(max_length=10)] = "",
    retention_class: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    results: list[dict[str, Any]] = []
    for upload_file in files:
        name = upload_file.filename or "upload"
        data = await upload_file.read()
        try:
            doc_id = backend.upload(
                request,
                user,
                name,
                data,
                {
                    "title": title,
                    "document_type": document_type,
                    "akte_id": akte_id,
                    "document_date": document_date,
                    "retention_class": retention_class,
                },
            )
            results.append({"filename": name, "id": doc_id, "error": None})
        except backend.UserError as exc:
            results.append({"filename": name, "id": None, "error": user_message(request, exc)})
    if "application/json" in request.headers.get("accept", ""):
        failed = all(r["error"] for r in results)
        return JSONResponse({"results": results}, status_code=422 if failed else 201)
    status = 201 if any(r["id"] for r in results) else 422
    return render(request, "clerk/upload.html", _upload_context(request, user, results), status_code=status)


@router.get("/akten")
def akten(request: Request, user: AktenUser, q: str = "") -> Response:
    return render(request, "clerk/akten.html", {"akten": backend.akten(request, user, q), "q": q})


@router.get("/akten/{akte_id}")
def akte(request: Request, akte_id: int, user: AktenUser) -> Response:
    return render(request, "clerk/akte.html", {"akte": backend.akte(request, user, akte_id)})


@router.post("/akten/{akte_id}/close", dependencies=[Depends(verify_csrf)])
def close_akte(request: Request, akte_id: int, user: AkteCloser) -> Response:
    backend.close_akte(request, user, akte_id)
    return redirect(f"/akten/{akte_id}?msg=closed")
