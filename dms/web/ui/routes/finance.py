"""Finance pages: worklist by urgency, invoice page with approval actions, payment runs, dashboard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse

from dms.web.ui import backend
from dms.web.ui.charts import bar_chart
from dms.web.ui.context import (
    DashboardUser,
    InvoiceDecider,
    InvoiceReleaser,
    InvoicesUser,
    PaymentRunner,
    PaymentRunsUser,
    language,
    user_message,
    verify_csrf,
)
from dms.web.ui.i18n import Translator
from dms.web.ui.rendering import apply_security_headers, render
from dms.web.ui.routing import UiRoute, redirect

router = APIRouter(route_class=UiRoute, include_in_schema=False)

STEPS = ("factual", "arithmetic", "payment_order")


@router.get("/invoices")
def worklist(request: Request, user: InvoicesUser, view: str = "mine") -> Response:
    view = view if view in {"mine", "all", "held", "late"} else "mine"
    items = backend.invoice_worklist(request, user, view)
    return render(request, "finance/worklist.html", {"items": items, "view": view})


@router.get("/invoices/{invoice_id}")
def invoice(request: Request, invoice_id: int, user: InvoicesUser) -> Response:
    inv = backend.invoice(request, user, invoice_id)
    return render(request, "finance/invoice.html", {"inv": inv, "error": None})


@router.post("/invoices/{invoice_id}/decisions", dependencies=[Depends(verify_csrf)])
def decide(
    request: Request,
    *,
    invoice_id: int,
    step: Annotated[str, Form()],
    decision: Annotated[str, Form()],
    user: InvoiceDecider,
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if step not in STEPS or decision not in {"approve", "reject"}:
        inv = backend.invoice(request, user, invoice_id)
        t = Translator(language(request))
        return render(request, "finance/invoice.html", {"inv": inv, "error": t("error.invalid_text")}, 422)
    try:
        backend.decide(request, user, invoice_id, step=step, decision=decision, comment=comment.strip())
    except backend.UserError as exc:
        inv = backend.invoice(request, user, invoice_id)
        t = Translator(language(request))
        return render(
            request, "finance/invoice.html", {"inv": inv, "error": user_message(request, exc)}, exc.status
        )
    return redirect(f"/invoices/{invoice_id}?msg=decided")


@router.get("/invoices/{invoice_id}/rendering")
def invoice_rendering(request: Request, invoice_id: int, user: InvoicesUser) -> Response:
    """The einvoice HTML rendering, framed by the invoice page (it carries its own inline CSS)."""
    response = HTMLResponse(backend.rendering(request, user, invoice_id))
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/invoices/{invoice_id}/confirm-iban", dependencies=[Depends(verify_csrf)])
def confirm_iban(request: Request, invoice_id: int, user: InvoiceReleaser) -> Response:
    backend.confirm_iban(request, user, invoice_id)
    return redirect(f"/invoices/{invoice_id}?msg=iban_confirmed")


@router.get("/payment-runs")
def payment_runs(request: Request, user: PaymentRunsUser) -> Response:
    data = backend.payment_runs(request, user)
    return render(request, "finance/payment_runs.html", {"data": data, "error": None})


@router.post("/payment-runs", dependencies=[Depends(verify_csrf)])
def create_payment_run(request: Request, user: PaymentRunner) -> Response:
    try:
        run_id = backend.create_payment_run(request, user)
    except backend.UserError as exc:
        data = backend.payment_runs(request, user)
        ctx = {"data": data, "error": user_message(request, exc)}
        return render(request, "finance/payment_runs.html", ctx, exc.status)
    return redirect(f"/payment-runs?msg=run_created#run-{run_id}")


@router.get("/payment-runs/{run_id}/pain001")
def pain001(request: Request, run_id: int, user: PaymentRunsUser) -> Response:
    xml, filename = backend.pain001(request, user, run_id)
    response = Response(xml, media_type="application/xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    apply_security_headers(response.headers)
    return response


@router.get("/finance/dashboard")
def dashboard(request: Request, user: DashboardUser) -> Response:
    t = Translator(language(request))
    metrics = backend.finance_metrics(request, user)
    charts = {
        "cycle": bar_chart(
            "chart-cycle",
            t("dash.cycle_title"),
            [(m["label"], float(m["days"])) for m in metrics["cycle_time"]],
            unit=t("dash.days"),
        ),
        "skonto": bar_chart(
            "chart-skonto",
            t("dash.skonto_title"),
            [(m["label"], float(m["captured"])) for m in metrics["skonto"]],
            unit="€",
            css="bar-alt",
        ),
        "late": bar_chart(
            "chart-late",
            t("dash.late_title"),
            [(m["label"], float(m["late"])) for m in metrics["late"]],
            unit=t("dash.invoices"),
            css="bar-err",
        ),
    }
    return render(request, "finance/dashboard.html", {"metrics": metrics, "charts": charts})
