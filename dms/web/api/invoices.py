"""Invoice workflow API: intake, invoices, decisions, suppliers, routing, payment runs, booking export."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Header, Query, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from dms.domain.principal import Principal
from dms.errors import NotFound, PayloadTooLarge
from dms.invoices import facade, payments, routing, suppliers, workflow
from dms.invoices.errors import DecisionConflict, DecisionRefused, DuplicateInvoice
from dms.invoices.intake import local_today
from dms.web.deps import ContainerDep, DbSession, ReadSession, Uow, require
from einvoice.domain.terms import late_payment_cost

router = APIRouter(prefix="/api/v1", tags=["invoices"])


class DecisionIn(BaseModel):
    step: Literal["factual", "arithmetic", "payment_order"]
    decision: Literal["approve", "reject"]
    comment: str = Field(default="", max_length=4000)
    reject_to: Literal["previous", "supplier"] = "previous"


class PaymentRunIn(BaseModel):
    execution_date: date | None = None


class SupplierIn(BaseModel):
    name: str = Field(min_length=1, max_length=300)
    vat_id: str | None = Field(default=None, max_length=32)
    ibans: list[str] = Field(default_factory=list, max_length=20)
    email: str | None = Field(default=None, max_length=254)


class IbanIn(BaseModel):
    iban: str = Field(min_length=5, max_length=42)
    bic: str | None = Field(default=None, max_length=11)


class RoutingRuleIn(BaseModel):
    department: str = Field(min_length=1, max_length=64)
    priority: int = 100
    leitweg_id: str | None = Field(default=None, max_length=64)
    buyer_reference: str | None = Field(default=None, max_length=200)
    order_reference_prefix: str | None = Field(default=None, max_length=200)
    supplier_id: int | None = None
    assignee_id: int | None = None


class ChainStepIn(BaseModel):
    step: Literal["factual", "arithmetic", "payment_order"]
    roles: list[str] = Field(min_length=1)
    department_bound: bool = False
    limit_checked: bool | None = None


class DeputyshipIn(BaseModel):
    absent_id: int
    deputy_id: int
    start: date
    end: date


def _error(status: int, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


async def _read_upload(file: UploadFile, limit: int) -> bytes:
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"Datei größer als {limit} Bytes.")
    return data


# ------------------------------------------------------------------------------------------- intake


@router.post("/invoices", status_code=201)
async def submit_invoice(
    container: ContainerDep,
    uow: Uow,
    principal: Annotated[Principal, require("invoices:submit")],
    file: Annotated[UploadFile, File(description="XRechnung (UBL/CII) or ZUGFeRD/Factur-X PDF")],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    """Submit an e-invoice: 201 accepted (``in_approval`` or ``held``), 422 invalid (recorded as rejected),
    409 duplicate."""
    data = await _read_upload(file, container.settings.max_upload_bytes)
    try:
        result = facade.submit(
            container, uow, principal, data, file.filename, idempotency_key=idempotency_key, channel="api"
        )
    except DuplicateInvoice as exc:
        return _error(409, exc.message, existing_id=exc.existing_id)
    inv = result.invoice
    body = {
        "id": inv.id,
        "status": inv.status,
        "validation": result.report,
        "alerts": inv.alerts,
        "held_reason": inv.held_reason,
    }
    if result.rejected:
        return JSONResponse(
            {"detail": "Die Rechnung ist ungültig und wurde abgelehnt.", **body}, status_code=422
        )
    return JSONResponse(body, status_code=201)  # an Idempotency-Key replay answers like the original


@router.get("/invoices")
def list_invoices(
    container: ContainerDep,
    db: ReadSession,
    principal: Annotated[Principal, require("invoices:read")],
    view: Annotated[Literal["mine", "all", "held", "late", "recent"], Query()] = "all",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Worklists by urgency (``mine``: what I may sign now; ``all`` open; ``held``), the late-payment view,
    or ``recent``: every visible invoice in any status, newest first (suppliers: their own)."""
    if view == "recent":
        return {
            "view": view,
            "items": [_summary(i) for i in workflow.recent_invoices(db, principal, limit=limit)],
        }
    if view == "late":
        late = workflow.late_payments(db, principal)[:limit]
        base_rate = facade.invoice_settings(container).base_rate_percent
        today = local_today()
        items = []
        for inv in late:
            cost = late_payment_cost(
                inv.amount_due or Decimal(0), inv.due_date or today, inv.paid_on or today, base_rate
            )
            items.append(
                {
                    **_summary(inv),
                    "days_late": cost.days_late,
                    "interest_estimate": f"{cost.interest:.2f}",
                    "flat_fee": f"{cost.flat_fee:.2f}",
                    "paid_on": inv.paid_on.isoformat() if inv.paid_on else None,
                }
            )
        return {"view": view, "base_rate_percent": str(base_rate), "items": items}
    work = workflow.worklist(db, principal, view=view, limit=limit)
    return {
        "view": view,
        "items": [{**_summary(w.invoice), "open_step": w.open_step, "can_act": w.can_act} for w in work],
    }


def _summary(inv: Any) -> dict[str, Any]:
    return {
        "id": inv.id,
        "status": inv.status,
        "supplier_id": inv.supplier_id,
        "seller_name": inv.seller_name,
        "invoice_number": inv.invoice_number,
        "amount_due": f"{inv.amount_due:.2f}" if inv.amount_due is not None else None,
        "due_date": inv.due_date.isoformat() if inv.due_date else None,
        "skonto_deadline": inv.skonto_deadline.isoformat() if inv.skonto_deadline else None,
        "skonto_amount": f"{inv.skonto_amount:.2f}" if inv.skonto_amount is not None else None,
        "department": inv.department,
    }


@router.get("/invoices/{invoice_id}")
def get_invoice(
    invoice_id: int, db: ReadSession, principal: Annotated[Principal, require("invoices:read")]
) -> dict[str, Any]:
    return workflow.invoice_view(db, workflow.get_invoice(db, principal, invoice_id))


@router.get("/invoices/{invoice_id}/validation")
def get_validation(
    invoice_id: int, db: ReadSession, principal: Annotated[Principal, require("invoices:read")]
) -> dict[str, Any]:
    inv = workflow.get_invoice(db, principal, invoice_id)
    return {"id": inv.id, "status": inv.status, "validation": inv.validation}


@router.post("/invoices/{invoice_id}/decisions", status_code=201)
def post_decision(
    invoice_id: int,
    body: DecisionIn,
    container: ContainerDep,
    uow: Uow,
    principal: Annotated[Principal, require("invoices:decide")],
) -> JSONResponse:
    """Sign or reject a step. 403: separation of duties / limit / role; 409: not this step (any more)."""
    try:
        view = facade.decide(
            container,
            uow,
            principal,
            invoice_id,
            step=body.step,
            decision=body.decision,
            comment=body.comment,
            reject_to=body.reject_to,
        )
    except DecisionRefused as exc:
        return _error(403, exc.message, code=exc.code)
    except DecisionConflict as exc:
        return _error(409, exc.message, code=exc.code)
    return JSONResponse(view, status_code=201)


@router.post("/invoices/{invoice_id}/confirm-iban")
def confirm_iban(
    invoice_id: int,
    container: ContainerDep,
    uow: Uow,
    principal: Annotated[Principal, require("invoices:release")],
) -> dict[str, Any]:
    """Finance confirms a changed/unknown IBAN after checking with the supplier; the invoice enters approval."""
    return facade.confirm_iban(container, uow, principal, invoice_id)


@router.post("/invoices/{invoice_id}/supplier")
def assign_supplier(
    invoice_id: int,
    supplier_id: Annotated[int, Query()],
    db: DbSession,
    principal: Annotated[Principal, require("invoices:release")],
) -> dict[str, Any]:
    inv = workflow.assign_supplier(db, principal, invoice_id, supplier_id)
    view = workflow.invoice_view(db, inv)
    db.commit()
    return view


# ---------------------------------------------------------------------------------------- suppliers


def _supplier_out(db: Any, s: Any) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "vat_id": s.vat_id,
        "email": s.email,
        "ibans": sorted(suppliers.known_ibans(db, int(s.id))),
    }


@router.get("/suppliers")
def list_suppliers(
    db: ReadSession,
    principal: Annotated[Principal, require("suppliers:read")],
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    return [_supplier_out(db, s) for s in suppliers.list_suppliers(db, limit=limit, offset=offset)]


@router.post("/suppliers", status_code=201)
def create_supplier(
    body: SupplierIn, db: DbSession, principal: Annotated[Principal, require("suppliers:write")]
) -> dict[str, Any]:
    s = suppliers.create_supplier(
        db, principal, body.name, vat_id=body.vat_id, ibans=body.ibans, email=body.email
    )
    out = _supplier_out(db, s)
    db.commit()
    return out


@router.get("/suppliers/{supplier_id}")
def get_supplier(
    supplier_id: int, db: ReadSession, principal: Annotated[Principal, require("suppliers:read")]
) -> dict[str, Any]:
    return _supplier_out(db, suppliers.get_supplier(db, supplier_id))


@router.post("/suppliers/{supplier_id}/ibans", status_code=201)
def add_iban(
    supplier_id: int, body: IbanIn, db: DbSession, principal: Annotated[Principal, require("suppliers:write")]
) -> dict[str, Any]:
    suppliers.add_known_iban(db, principal, supplier_id, body.iban, bic=body.bic)
    out = _supplier_out(db, suppliers.get_supplier(db, supplier_id))
    db.commit()
    return out


# ------------------------------------------------------------------------- routing, chains, deputies


@router.get("/invoice-routing-rules")
def list_rules(
    db: ReadSession, principal: Annotated[Principal, require("invoices:read")]
) -> list[dict[str, Any]]:
    return [r.model_dump(mode="json") for r in routing.list_rules(db)]


@router.post("/invoice-routing-rules", status_code=201)
def create_rule(
    body: RoutingRuleIn, db: DbSession, principal: Annotated[Principal, require("invoices:admin")]
) -> dict[str, Any]:
    rule = routing.create_rule(db, principal, body.model_dump())
    out = rule.model_dump(mode="json")
    db.commit()
    return out


@router.delete("/invoice-routing-rules/{rule_id}", status_code=204)
def delete_rule(
    rule_id: int, db: DbSession, principal: Annotated[Principal, require("invoices:admin")]
) -> Response:
    routing.delete_rule(db, principal, rule_id)
    db.commit()
    return Response(status_code=204)


@router.get("/approval-chains")
def list_chains(db: ReadSession, principal: Annotated[Principal, require("invoices:read")]) -> dict[str, Any]:
    policy = routing.load_policy(db)
    return {
        "default": policy.default.to_config(),
        "departments": {k: v.to_config() for k, v in policy.chains.items()},
    }


@router.put("/approval-chains/{department}")
def set_chain(
    department: str,
    body: list[ChainStepIn],
    db: DbSession,
    principal: Annotated[Principal, require("invoices:admin")],
) -> dict[str, Any]:
    steps = [{k: v for k, v in s.model_dump().items() if v is not None} for s in body]
    row = routing.set_chain(db, principal, department, steps)
    out = {"department": row.department, "steps": row.steps}
    db.commit()
    return out


@router.post("/deputyships", status_code=201)
def add_deputyship(
    body: DeputyshipIn, db: DbSession, principal: Annotated[Principal, require("invoices:deputies")]
) -> dict[str, Any]:
    row = routing.add_deputyship(db, principal, body.model_dump(mode="json"))
    out = row.model_dump(mode="json")
    db.commit()
    return out


@router.get("/deputyships")
def list_deputyships(
    db: ReadSession, principal: Annotated[Principal, require("invoices:read")]
) -> list[dict[str, Any]]:
    return [r.model_dump(mode="json") for r in routing.list_deputyships(db)]


@router.delete("/deputyships/{deputyship_id}", status_code=204)
def delete_deputyship(
    deputyship_id: int, db: DbSession, principal: Annotated[Principal, require("invoices:deputies")]
) -> Response:
    routing.delete_deputyship(db, principal, deputyship_id)
    db.commit()
    return Response(status_code=204)


# ------------------------------------------------------------------------------------- payment runs


@router.post("/payment-runs", status_code=201)
def create_payment_run(
    container: ContainerDep,
    uow: Uow,
    principal: Annotated[Principal, require("payments:run")],
    body: PaymentRunIn | None = None,
) -> dict[str, Any]:
    """Every approved, unpaid invoice goes into exactly one run (pain.001.001.09, Skonto deducted in time)."""
    run = facade.create_payment_run(
        container, uow, principal, execution_date=body.execution_date if body else None
    )
    with container.uow(read_only=True) as ro:
        return payments.run_view(ro.session, run)


@router.get("/payment-runs")
def list_payment_runs(
    db: ReadSession, principal: Annotated[Principal, require("payments:read")]
) -> list[dict[str, Any]]:
    return [payments.run_view(db, r) for r in payments.list_runs(db, principal)]


@router.get("/payment-runs/{run_id}")
def get_payment_run(
    run_id: int, db: ReadSession, principal: Annotated[Principal, require("payments:read")]
) -> dict[str, Any]:
    return payments.run_view(db, payments.get_run(db, principal, run_id), with_items=True)


@router.get("/payment-runs/{run_id}/pain001")
def get_pain001(
    run_id: int, db: ReadSession, principal: Annotated[Principal, require("payments:read")]
) -> Response:
    run = payments.get_run(db, principal, run_id)
    if not run.pain001:
        raise NotFound(f"Zahlungslauf {run_id} enthält keine Überweisungen und hat keine pain.001-Datei.")
    return Response(
        run.pain001.encode("utf-8"),
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{run.message_id}.pain.001.001.09.xml"'},
    )


@router.post("/payment-runs/{run_id}/executed")
def mark_executed(
    run_id: int, db: DbSession, principal: Annotated[Principal, require("payments:run")]
) -> dict[str, Any]:
    run = payments.mark_executed(db, principal, run_id)
    out = payments.run_view(db, run)
    db.commit()
    return out


@router.post("/payment-runs/{run_id}/reconcile")
async def reconcile(
    run_id: int,
    container: ContainerDep,
    db: DbSession,
    principal: Annotated[Principal, require("payments:run")],
    file: Annotated[UploadFile, File(description="camt.053 bank statement")],
) -> dict[str, Any]:
    data = await _read_upload(file, container.settings.max_upload_bytes)
    out = payments.reconcile_statement(db, principal, run_id, data)
    db.commit()
    return out


@router.get("/payment-runs/{run_id}/booking-export")
def booking_export(
    run_id: int,
    db: ReadSession,
    principal: Annotated[Principal, require("payments:read")],
    format: Annotated[Literal["csv", "json"], Query()] = "csv",
) -> Response:
    export = payments.booking_export(db, principal, run_id, format)
    return Response(
        export.content,
        media_type=export.media_type,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )
