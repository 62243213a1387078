"""Admin pages: users, file plan import, retention classes, routing rules, system health."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from dms.web.ui import backend
from dms.web.ui.context import AdminUser, FileplanWriter, UserAdmin, user_message, verify_csrf
from dms.web.ui.nav import ROLES
from dms.web.ui.rendering import render
from dms.web.ui.routing import UiRoute, redirect

router = APIRouter(route_class=UiRoute, include_in_schema=False)


@router.get("/admin/users")
def users(request: Request, user: AdminUser) -> Response:
    ctx = {"users": backend.users(request, user), "roles": ROLES, "error": None, "created_token": None}
    return render(request, "admin/users.html", ctx)


@router.post("/admin/users", dependencies=[Depends(verify_csrf)])
def create_user(
    request: Request,
    *,
    username: Annotated[str, Form(min_length=2, max_length=150)],
    role: Annotated[str, Form()],
    password: Annotated[str, Form(min_length=10, max_length=1000)],
    user: UserAdmin,
    department: Annotated[str, Form(max_length=64)] = "",
    amount_limit: Annotated[str, Form(max_length=20)] = "",
    supplier_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        backend.create_user(
            request,
            user,
            {
                "username": username.strip(),
                "role": role,
                "password": password,
                "department": department.strip() or None,
                "amount_limit": amount_limit.strip() or None,
                "supplier_id": supplier_id.strip() or None,
            },
        )
    except backend.UserError as exc:
        ctx = {
            "users": backend.users(request, user),
            "roles": ROLES,
            "error": user_message(request, exc),
            "created_token": None,
        }
        return render(request, "admin/users.html", ctx, exc.status)
    return redirect("/admin/users?msg=user_created")


@router.get("/admin/fileplan")
def fileplan(request: Request, user: AdminUser) -> Response:
    return render(request, "admin/fileplan.html", {"nodes": backend.fileplan(request, user), "result": None})


@router.post("/admin/fileplan", dependencies=[Depends(verify_csrf)])
async def import_fileplan(
    request: Request, file: Annotated[UploadFile, File()], user: FileplanWriter
) -> Response:
    data = await file.read()
    try:
        result = backend.import_fileplan(request, user, data)
    except backend.UserError as exc:
        ctx = {"nodes": backend.fileplan(request, user), "result": {"error": user_message(request, exc)}}
        return render(request, "admin/fileplan.html", ctx, exc.status)
    return render(request, "admin/fileplan.html", {"nodes": backend.fileplan(request, user), "result": result})


@router.get("/admin/retention-classes")
def retention_classes(request: Request, user: AdminUser) -> Response:
    return render(request, "admin/retention.html", {"classes": backend.retention_classes(request, user)})


@router.get("/admin/routing")
def routing_rules(request: Request, user: AdminUser) -> Response:
    return render(request, "admin/routing.html", {"rules": backend.routing_rules(request, user)})


@router.get("/admin/health")
def health(request: Request, user: AdminUser) -> Response:
    return render(request, "admin/health.html", {"health": backend.health(request, user)})
