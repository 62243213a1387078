"""Supplier portal and finance pages over HTTP: valid/invalid submission, own invoices only, approval steps
with explained refusals, separation of duties, payment run with pain.001."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import csrf_of
from tests.paths import CORPUS_DIR

EINVOICE = CORPUS_DIR
VALID = EINVOICE / "xrechnung-ubl" / "kosit-testsuite" / "business-cases-standard" / "01.01a-INVOICE_ubl.xml"
VALID_2 = EINVOICE / "xrechnung-ubl" / "kosit-testsuite" / "business-cases-standard" / "01.04a-INVOICE_ubl.xml"
INVALID = EINVOICE / "invalid" / "kosit-valconf" / "instances" / "ubl002.xml"
IBAN = "DE79000000001234567890"


def make_supplier(ui_env, name: str, iban: str = IBAN) -> int:
    from dms.invoices import suppliers

    container = ui_env["app"].state.container
    with container.uow() as unit:
        row = suppliers.create_supplier(unit.session, None, name, ibans=[iban])
        unit.commit()
        return int(row.id or 0)


def submit(ui, path: Path):
    token = ui.csrf("/portal/upload")
    return ui.http.post("/portal/upload", data={"csrf_token": token},
                        files={"file": (path.name, path.read_bytes(), "application/xml")})


def test_supplier_portal_valid_invalid_and_only_own_invoices(ui_env, ui, make_ui_user) -> None:
    from fastapi.testclient import TestClient

    from tests.e2e.conftest import UiClient

    sid = make_supplier(ui_env, "Bürobedarf Müller GmbH")
    other = make_supplier(ui_env, "Andere Lieferant AG")
    make_ui_user("lieferant", "supplier", supplier_id=sid)
    make_ui_user("fremd", "supplier", supplier_id=other)
    ui.login("lieferant")

    ok = submit(ui, VALID)
    assert ok.status_code == 201, ok.text
    assert "Rechnung angenommen" in ok.text and "Die Rechnung ist gültig" in ok.text

    bad = submit(ui, INVALID)
    assert bad.status_code == 422
    assert "Rechnung abgelehnt" in bad.text
    assert 'class="rule-id"' in bad.text  # each error names its rule id
    assert "Fehler" in bad.text

    again = submit(ui, VALID)
    assert again.status_code == 409 and "bereits" in again.text

    mine = ui.http.get("/portal/invoices")
    assert mine.text.count("<tr>") == 3  # header + accepted + rejected
    assert "abgelehnt" in mine.text and "in Freigabe" in mine.text

    b = UiClient(TestClient(ui_env["app"]))
    b.login("fremd")
    theirs = b.http.get("/portal/invoices")
    assert "Sie haben noch keine Rechnungen eingereicht." in theirs.text
    assert b.http.get("/invoices", follow_redirects=False).status_code == 403


def _decide(client, invoice_id: int, step: str, decision: str = "approve", comment: str = ""):
    page = client.http.get(f"/invoices/{invoice_id}")
    return client.http.post(f"/invoices/{invoice_id}/decisions",
                            data={"csrf_token": csrf_of(page.text), "step": step, "decision": decision,
                                  "comment": comment}, follow_redirects=False)


def test_three_finance_users_approve_and_a_fourth_pays(ui_env, ui, make_ui_user) -> None:
    from fastapi.testclient import TestClient

    from tests.e2e.conftest import UiClient

    sid = make_supplier(ui_env, "Bürobedarf Müller GmbH")
    make_ui_user("lieferant", "supplier", supplier_id=sid)
    for name in ("fin1", "fin2", "fin3", "fin4"):
        make_ui_user(name, "finance", department="20", amount_limit="50000")
    ui.login("lieferant")
    assert submit(ui, VALID).status_code == 201

    f = {n: UiClient(TestClient(ui_env["app"])) for n in ("fin1", "fin2", "fin3", "fin4")}
    for name, client in f.items():
        client.login(name)
    worklist = f["fin1"].http.get("/invoices")
    assert "sachlich richtig" in worklist.text
    invoice_id = int(worklist.text.split('href="/invoices/', 1)[1].split('"', 1)[0])

    page = f["fin1"].http.get(f"/invoices/{invoice_id}")
    assert "„sachlich richtig“ bestätigen" in page.text
    assert f'src="/invoices/{invoice_id}/rendering"' in page.text
    frame = f["fin1"].http.get(f"/invoices/{invoice_id}/rendering")
    assert frame.status_code == 200 and "frame-ancestors 'self'" in frame.headers["content-security-policy"]
    assert "Rechnung" in frame.text

    assert _decide(f["fin1"], invoice_id, "factual").status_code == 303
    # the same person may not take the next step: the page explains, the server refuses
    page = f["fin1"].http.get(f"/invoices/{invoice_id}")
    assert "Diesen Schritt können Sie nicht ausführen" in page.text
    refused = _decide(f["fin1"], invoice_id, "arithmetic")
    assert refused.status_code == 403 and 'role="alert"' in refused.text

    assert _decide(f["fin2"], invoice_id, "arithmetic").status_code == 303
    assert _decide(f["fin3"], invoice_id, "payment_order").status_code == 303
    done = f["fin4"].http.get(f"/invoices/{invoice_id}")
    assert done.text.count("bestätigt – fin") == 3

    runs = f["fin4"].http.get("/payment-runs")
    assert "Zur Zahlung bereit (1)" in runs.text
    r = f["fin4"].http.post("/payment-runs", data={"csrf_token": csrf_of(runs.text)}, follow_redirects=False)
    assert r.status_code == 303
    runs = f["fin4"].http.get("/payment-runs")
    run_id = int(runs.text.split('href="/payment-runs/', 1)[1].split("/", 1)[0])
    xml = f["fin4"].http.get(f"/payment-runs/{run_id}/pain001")
    assert xml.status_code == 200
    assert b"pain.001.001.09" in xml.content and IBAN.encode() in xml.content
    assert "attachment" in xml.headers["content-disposition"]
    dash = f["fin4"].http.get("/finance/dashboard")
    assert '<svg viewBox="0 0 600 240" role="img"' in dash.text  # cycle time now has a data point
    assert "<desc id=\"chart-cycle-d\">" in dash.text


def test_reject_needs_a_reason_and_dashboard_renders(ui_env, ui, make_ui_user) -> None:
    from fastapi.testclient import TestClient

    from tests.e2e.conftest import UiClient

    sid = make_supplier(ui_env, "Bürobedarf Müller GmbH")
    make_ui_user("lieferant", "supplier", supplier_id=sid)
    make_ui_user("fin1", "finance", department="20", amount_limit="50000")
    ui.login("lieferant")
    assert submit(ui, VALID_2).status_code == 201
    fin = UiClient(TestClient(ui_env["app"]))
    fin.login("fin1")
    invoice_id = int(fin.http.get("/invoices").text.split('href="/invoices/', 1)[1].split('"', 1)[0])
    no_reason = _decide(fin, invoice_id, "factual", "reject", "")
    assert no_reason.status_code == 422
    assert _decide(fin, invoice_id, "factual", "reject", "Ware nicht geliefert").status_code == 303
    own = ui.http.get("/portal/invoices")
    assert "Ware nicht geliefert" in own.text  # the supplier sees the reason

    dash = fin.http.get("/finance/dashboard")
    assert dash.status_code == 200
    assert "Durchlaufzeit" in dash.text


def test_changed_iban_is_held_until_finance_confirms(ui_env, ui, make_ui_user) -> None:
    from fastapi.testclient import TestClient

    from tests.e2e.conftest import UiClient

    changed = EINVOICE / "xrechnung-ubl" / "kosit-visualization" / "maxRechnung_ubl.xml"
    if not changed.exists():
        changed = next(EINVOICE.glob("xrechnung-ubl/**/maxRechnung_ubl.xml"))
    sid = make_supplier(ui_env, "Bürobedarf Müller GmbH")
    make_ui_user("lieferant", "supplier", supplier_id=sid)
    make_ui_user("fin1", "finance", department="20", amount_limit="50000")
    make_ui_user("pruefer", "auditor")
    ui.login("lieferant")
    assert submit(ui, changed).status_code == 201
    fin = UiClient(TestClient(ui_env["app"]))
    fin.login("fin1")
    held = fin.http.get("/invoices", params={"view": "held"})
    assert "Bankverbindung geändert" in held.text
    invoice_id = int(held.text.split('href="/invoices/', 1)[1].split('"', 1)[0])
    page = fin.http.get(f"/invoices/{invoice_id}")
    assert "IBAN changed" in page.text and "Bankverbindung bestätigen" in page.text

    auditor = UiClient(TestClient(ui_env["app"]))
    auditor.login("pruefer")
    assert "Bankverbindung bestätigen" not in auditor.http.get(f"/invoices/{invoice_id}").text
    assert auditor.post_form(f"/invoices/{invoice_id}/confirm-iban", {}, page="/invoices").status_code == 403

    r = fin.post_form(f"/invoices/{invoice_id}/confirm-iban", {}, page=f"/invoices/{invoice_id}")
    assert r.status_code == 303
    assert "in Freigabe" in fin.http.get(f"/invoices/{invoice_id}").text
