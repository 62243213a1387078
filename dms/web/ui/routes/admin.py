"""Admin pages: users, file plan import, retention classes, routing rules, system health."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from dms.web.ui import backend
from dms.web.ui.backend import admin as admin_backend
from dms.web.ui.context import (
    AdminUser,
    FileplanWriter,
    InvoiceAdmin,
    UserAdmin,
    language,
    require_permission,
    user_message,
    verify_csrf,
)
from dms.web.ui.i18n import Translator
from dms.web.ui.nav import ROLES
from dms.web.ui.rendering import render
from dms.web.ui.routing import UiRoute, redirect

router = APIRouter(route_class=UiRoute, include_in_schema=False)


@router.get("/admin/users")
def users(request: Request, user: AdminUser) -> Response:
    ctx = {"users": backend.users(request, user), "roles": ROLES, "error": None, "created_token": None,
           "department_options": admin_backend.department_options(request),
           "department_labels": admin_backend.department_labels(request)}
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
            "department_options": admin_backend.department_options(request),
            "department_labels": admin_backend.department_labels(request),
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
    return _routing_page(request, user)


@router.get("/admin/health")
def health(request: Request, user: AdminUser) -> Response:
    return render(request, "admin/health.html", {"health": backend.health(request, user)})


# ------------------------------------------------------------------------------------- user editor
def _user_page(request: Request, user: Any, user_id: int, error: str | None = None, status: int = 200) -> Response:
    ctx = {"u": backend.user_detail(request, user, user_id), "roles": ROLES, "error": error,
           "department_options": admin_backend.department_options(request)}
    return render(request, "admin/user.html", ctx, status)


@router.get("/admin/users/{user_id}")
def user_page(request: Request, user_id: int, user: AdminUser) -> Response:
    return _user_page(request, user, user_id)


@router.post("/admin/users/{user_id}", dependencies=[Depends(verify_csrf)])
def update_user(
    request: Request,
    user_id: int,
    *,
    role: Annotated[str, Form(max_length=32)],
    user: UserAdmin,
    department: Annotated[str, Form(max_length=64)] = "",
    amount_limit: Annotated[str, Form(max_length=20)] = "",
    supplier_id: Annotated[str, Form(max_length=20)] = "",
    active: Annotated[str, Form(max_length=5)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    fields = {"role": role, "department": department.strip(), "amount_limit": amount_limit.strip(),
              "supplier_id": supplier_id.strip(), "active": active == "on", "password": password}
    try:
        backend.update_user(request, user, user_id, fields)
    except backend.UserError as exc:
        return _user_page(request, user, user_id, user_message(request, exc), exc.status)
    return redirect(f"/admin/users/{user_id}?msg=user_updated")


@router.post("/admin/users/{user_id}/tokens/{token_id}/revoke", dependencies=[Depends(verify_csrf)])
def revoke_token(request: Request, user_id: int, token_id: int, user: UserAdmin) -> Response:
    backend.revoke_token(request, user, user_id, token_id)
    return redirect(f"/admin/users/{user_id}?msg=token_revoked")


@router.post("/admin/users/{user_id}/tokens/revoke", dependencies=[Depends(verify_csrf)])
def revoke_tokens(request: Request, user_id: int, user: UserAdmin) -> Response:
    backend.revoke_tokens(request, user, user_id)
    return redirect(f"/admin/users/{user_id}?msg=tokens_revoked")


@router.post("/admin/users/{user_id}/sessions/revoke", dependencies=[Depends(verify_csrf)])
def revoke_sessions(request: Request, user_id: int, user: UserAdmin) -> Response:
    if int(user.user_id) == user_id:
        return _user_page(request, user, user_id, Translator(language(request))("admin.own_sessions"), 422)
    backend.revoke_sessions(request, user, user_id)
    return redirect(f"/admin/users/{user_id}?msg=sessions_revoked")


# ----------------------------------------------------------------------------------- amount limits
@router.get("/admin/limits")
def limits(request: Request, user: AdminUser) -> Response:
    return render(request, "admin/limits.html", {"users": backend.amount_limits(request, user), "error": None})


@router.post("/admin/limits/{user_id}", dependencies=[Depends(verify_csrf)])
def set_limit(
    request: Request, user_id: int, user: UserAdmin, amount_limit: Annotated[str, Form(max_length=20)] = ""
) -> Response:
    try:
        backend.set_amount_limit(request, user, user_id, amount_limit.strip())
    except backend.UserError as exc:
        ctx = {"users": backend.amount_limits(request, user), "error": user_message(request, exc)}
        return render(request, "admin/limits.html", ctx, exc.status)
    return redirect("/admin/limits?msg=limit_saved")


# ------------------------------------------------------------------------------------- departments
DepartmentAdmin = Annotated[Any, Depends(require_permission("departments:write"))]


def _departments_page(request: Request, user: Any, *, error: admin_backend.DepartmentFieldError | None = None,
                      form: dict[str, str] | None = None) -> Response:
    ctx = {"departments": backend.departments(request, user), "form": form or {}, "errors": {}}
    status = 200
    if error is not None:
        ctx["errors"] = {error.field: user_message(request, error)}
        status = error.status
    return render(request, "admin/departments.html", ctx, status)


@router.get("/admin/departments")
def departments(request: Request, user: AdminUser) -> Response:
    return _departments_page(request, user)


@router.post("/admin/departments", dependencies=[Depends(verify_csrf)])
def create_department(
    request: Request,
    *,
    user: DepartmentAdmin,
    code: Annotated[str, Form(max_length=256)] = "",
    name: Annotated[str, Form(max_length=800)] = "",
) -> Response:
    try:
        created = admin_backend.create_department(request, user, code, name)
    except admin_backend.DepartmentFieldError as exc:
        return _departments_page(request, user, error=exc, form={"code": code, "name": name})
    return redirect(f"/admin/departments/{quote(created, safe='')}?msg=department_created")


def _department_page(request: Request, user: Any, code: str, error: str | None = None, status: int = 200, *,
                     name_error: str | None = None, form: dict[str, str] | None = None) -> Response:
    ctx = {"d": backend.department(request, user, code), "roles": ROLES, "steps": backend.STEPS, "error": error,
           "name_error": name_error, "form": form or {}}
    return render(request, "admin/department.html", ctx, status)


@router.get("/admin/departments/{code}")
def department(request: Request, code: str, user: AdminUser) -> Response:
    return _department_page(request, user, code)


@router.post("/admin/departments/{code}", dependencies=[Depends(verify_csrf)])
def update_department(
    request: Request,
    code: str,
    *,
    user: DepartmentAdmin,
    name: Annotated[str, Form(max_length=800)] = "",
    active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Rename and/or deactivate/reactivate (the code stays)."""
    try:
        admin_backend.update_department(request, user, code, name, active == "on")
    except backend.UserError as exc:
        message = user_message(request, exc)
        return _department_page(request, user, code, status=exc.status, name_error=message, form={"name": name})
    return redirect(f"/admin/departments/{quote(code, safe='')}?msg=department_saved")


@router.post("/admin/departments/{code}/chain", dependencies=[Depends(verify_csrf)])
async def set_chain(request: Request, code: str, user: InvoiceAdmin) -> Response:
    form = await request.form()
    steps = []
    for step in backend.STEPS:
        if form.get(f"{step}-on") != "on":
            continue
        steps.append({
            "step": step,
            "roles": [str(r) for r in form.getlist(f"{step}-roles") if str(r) in ROLES],
            "department_bound": form.get(f"{step}-dept") == "on",
            "limit_checked": form.get(f"{step}-limit") == "on",
        })
    try:
        backend.set_department_chain(request, user, code, steps)
    except backend.UserError as exc:
        return _department_page(request, user, code, user_message(request, exc), exc.status)
    return redirect(f"/admin/departments/{quote(code, safe='')}?msg=chain_saved")


# ------------------------------------------------------------------------------- file plan entries
def _node_page(request: Request, user: Any, node_id: int, error: str | None = None, status: int = 200) -> Response:
    return render(request, "admin/fileplan_node.html",
                  {"n": backend.fileplan_node(request, user, node_id), "error": error,
                   "department_options": admin_backend.department_options(request)}, status)


@router.get("/admin/fileplan/{node_id}")
def fileplan_node(request: Request, node_id: int, user: AdminUser) -> Response:
    return _node_page(request, user, node_id)


@router.post("/admin/fileplan/{node_id}", dependencies=[Depends(verify_csrf)])
def update_fileplan_node(
    request: Request,
    node_id: int,
    *,
    title: Annotated[str, Form(max_length=300)],
    user: FileplanWriter,
    parent_code: Annotated[str, Form(max_length=64)] = "",
    retention_class: Annotated[str, Form(max_length=64)] = "",
    department: Annotated[str, Form(max_length=64)] = "",
    deprecated: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    fields = {"title": title, "parent_code": parent_code.strip(), "retention_class": retention_class.strip(),
              "department": department.strip(), "deprecated": deprecated == "on"}
    try:
        backend.update_fileplan_node(request, user, node_id, fields)
    except backend.UserError as exc:
        return _node_page(request, user, node_id, user_message(request, exc), exc.status)
    return redirect(f"/admin/fileplan/{node_id}?msg=node_saved")


# ------------------------------------------------------------------------------------ routing rules
RULE_FORM = ("priority", "leitweg_id", "buyer_reference", "order_reference_prefix", "supplier_id",
             "department", "assignee")


async def _rule_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    fields = {}
    for name in RULE_FORM:
        value = form.get(name)
        text = value if isinstance(value, str) else ""
        if len(text) > 200:
            raise backend.UserError("admin.too_long", name)
        fields[name] = text
    return fields


def _routing_page(request: Request, user: Any, error: str | None = None, status: int = 200,
                  form: dict[str, str] | None = None) -> Response:
    ctx = {"rules": backend.rules(request, user), "error": error, "form": form or {},
           "department_options": admin_backend.department_options(request)}
    return render(request, "admin/routing.html", ctx, status)


@router.post("/admin/routing", dependencies=[Depends(verify_csrf)])
async def create_rule(request: Request, user: InvoiceAdmin) -> Response:
    fields: dict[str, str] = {}
    try:
        fields = await _rule_fields(request)
        backend.create_rule(request, user, fields)
    except backend.UserError as exc:
        return _routing_page(request, user, user_message(request, exc), exc.status, fields)
    return redirect("/admin/routing?msg=rule_created")


@router.get("/admin/routing/{rule_id}")
def rule_page(request: Request, rule_id: int, user: AdminUser) -> Response:
    return render(request, "admin/routing_rule.html", {"r": backend.rule(request, user, rule_id), "error": None,
                                                       "department_options": admin_backend.department_options(request)})


@router.post("/admin/routing/{rule_id}", dependencies=[Depends(verify_csrf)])
async def update_rule(request: Request, rule_id: int, user: InvoiceAdmin) -> Response:
    try:
        fields = await _rule_fields(request)
        backend.update_rule(request, user, rule_id, fields)
    except backend.UserError as exc:
        ctx = {"r": backend.rule(request, user, rule_id), "error": user_message(request, exc),
               "department_options": admin_backend.department_options(request)}
        return render(request, "admin/routing_rule.html", ctx, exc.status)
    return redirect("/admin/routing?msg=rule_saved")


@router.post("/admin/routing/{rule_id}/move", dependencies=[Depends(verify_csrf)])
def move_rule(
    request: Request, rule_id: int, user: InvoiceAdmin, direction: Annotated[str, Form(max_length=4)] = ""
) -> Response:
    if direction not in ("up", "down"):
        return _routing_page(request, user, Translator(language(request))("admin.direction_invalid"), 422)
    backend.move_rule(request, user, rule_id, -1 if direction == "up" else 1)
    return redirect("/admin/routing?msg=rule_moved")


@router.post("/admin/routing/{rule_id}/delete", dependencies=[Depends(verify_csrf)])
def delete_rule(request: Request, rule_id: int, user: InvoiceAdmin) -> Response:
    backend.delete_rule(request, user, rule_id)
    return redirect("/admin/routing?msg=rule_deleted")
