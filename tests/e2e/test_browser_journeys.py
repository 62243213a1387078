"""End-to-end journeys in Chromium: every page visited is checked with axe-core (no serious/critical
violations) and for CSP violations; screenshots go to tests/e2e/screenshots/."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.documents import text_pdf
from tests.e2e.harness import create_supplier, create_user
from tests.e2e.test_ui_finance import IBAN, INVALID, VALID

pytestmark = pytest.mark.browser


def _users(live: dict[str, Any], *specs: tuple[str, str, dict[str, Any]]) -> list[str]:
    """Create users with unique names (the live server is shared by the tests of one worker)."""
    tag = uuid.uuid4().hex[:6]
    names = []
    for name, role, fields in specs:
        username = f"{name}-{tag}"
        create_user(live["settings"], username, role, **fields)
        names.append(username)
    return names


def _unique_invoice(tmp_path: Any) -> str:
    """The valid corpus invoice with a fresh invoice number (BT-1): the shared server refuses duplicates."""
    data = VALID.read_bytes()
    number = f"RE-{uuid.uuid4().hex[:8]}"
    assert b"<cbc:ID>123456XX</cbc:ID>" in data
    path = tmp_path / f"{number}.xml"
    path.write_bytes(data.replace(b"<cbc:ID>123456XX</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>".encode(), 1))
    return str(path)


def _drop_files(page: Any, selector: str, files: list[tuple[str, bytes]]) -> None:
    """Drag-and-drop of real files onto the drop zone (a DataTransfer with File objects)."""
    page.evaluate(
        """([selector, files]) => {
            const dt = new DataTransfer();
            for (const [name, bytes] of files) {
                dt.items.add(new File([new Uint8Array(bytes)], name, {type: 'application/pdf'}));
            }
            const zone = document.querySelector(selector);
            for (const type of ['dragenter', 'dragover', 'drop']) {
                zone.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
            }
        }""",
        [selector, [[name, list(data)] for name, data in files]],
    )


def test_clerk_uploads_searches_opens_downloads(journey, live_server) -> None:
    (clerk,) = _users(live_server, ("klara", "clerk", {"department": "63"}))
    j = journey("clerk")
    j.login(clerk)
    j.check("10-clerk-inbox")
    j.goto("/upload")
    j.check()
    word = "Streuobstwiese" + uuid.uuid4().hex[:4]
    files = [
        ("antrag-1.pdf", text_pdf(f"Antrag auf Pflege der {word} am Mühlbach")),
        ("antrag-2.pdf", text_pdf("Stellungnahme Umweltamt", f"Bezug: {word}")),
    ]
    _drop_files(j.page, "#dropzone", files)
    j.page.wait_for_selector("#upload-status:has-text('Alle Dateien sind übertragen.')")
    assert j.page.locator("#upload-list progress").count() == 2
    assert j.page.locator("#upload-list a").count() == 2
    j.check("11-clerk-upload-progress")

    j.goto("/search")
    j.page.get_by_label("Suchbegriffe").fill(word)
    j.page.get_by_role("button", name="Suchen", exact=True).click()  # htmx swaps the results in
    j.page.wait_for_selector("#hits-h:has-text('2 Treffer')")
    assert j.page.locator(".snippet mark").count() >= 1
    j.check("12-clerk-search")
    j.page.locator(".results a").first.click()
    j.page.wait_for_function("() => { const i = document.querySelector('.preview img');"
                             " return i && i.complete && i.naturalWidth > 100; }")
    j.page.wait_for_selector("#audit-trail table")  # loaded by htmx
    j.check("13-clerk-document")
    with j.page.expect_download() as info:
        j.page.get_by_role("link", name="Original herunterladen").click()
    data = Path(info.value.path()).read_bytes()
    assert data in {content for _, content in files}  # the exact bytes uploaded


def test_supplier_uploads_valid_and_invalid_invoice(journey, live_server, tmp_path) -> None:
    sid = create_supplier(live_server["settings"], f"Bürobedarf {uuid.uuid4().hex[:4]} GmbH", IBAN)
    (supplier,) = _users(live_server, ("lieferant", "supplier", {"supplier_id": sid}))
    j = journey("supplier")
    j.login(supplier)
    j.goto("/portal/upload")
    j.check("20-supplier-upload")
    j.page.set_input_files("#f-file", _unique_invoice(tmp_path))
    j.page.get_by_role("button", name="Rechnung einreichen").click()
    j.page.wait_for_selector("#outcome:has-text('Rechnung angenommen')")
    j.check("21-supplier-accepted")
    j.page.set_input_files("#f-file", str(INVALID))
    j.page.get_by_role("button", name="Rechnung einreichen").click()
    j.page.wait_for_selector("#outcome:has-text('Rechnung abgelehnt')")
    assert j.page.locator(".findings .rule-id").count() >= 1
    j.check("22-supplier-rejected")
    j.goto("/portal/invoices")
    assert j.page.locator("tbody tr").count() == 2
    j.check("23-supplier-invoices")


def test_three_approvers_and_a_payment_run(journey, live_server, tmp_path) -> None:
    sid = create_supplier(live_server["settings"], f"Bürobedarf {uuid.uuid4().hex[:4]} GmbH", IBAN)
    supplier, f1, f2, f3, f4 = _users(
        live_server,
        ("lieferant", "supplier", {"supplier_id": sid}),
        *[(f"fin{i}", "finance", {"department": "20", "amount_limit": "50000"}) for i in (1, 2, 3, 4)],
    )
    s = journey("supplier")
    s.login(supplier)
    s.goto("/portal/upload")
    s.page.set_input_files("#f-file", _unique_invoice(tmp_path))
    s.page.get_by_role("button", name="Rechnung einreichen").click()
    s.page.wait_for_selector("#outcome:has-text('Rechnung angenommen')")

    for n, (user, label) in enumerate(
        [(f1, "sachlich richtig"), (f2, "rechnerisch richtig"), (f3, "Anordnung")]
    ):
        j = journey(user)
        j.login(user)
        if n == 0:
            j.check("30-finance-worklist")
        j.page.locator("tbody a").first.click()
        j.page.wait_for_selector("h1:has-text('Rechnung')")
        if n == 1:
            j.check("31-finance-invoice")
        j.page.get_by_role("button", name=f"„{label}“ bestätigen").click()
        j.page.wait_for_selector("[role=status]:has-text('Ihre Entscheidung wurde gespeichert.')")
        if n == 0:  # the next step is explained to the person who just signed, not offered
            assert j.page.get_by_text("Diesen Schritt können Sie nicht ausführen:").count() == 1
            j.check()
    pay = journey(f4)
    pay.login(f4)
    pay.goto("/payment-runs")
    pay.check()
    pay.page.get_by_role("button", name="Zahllauf erstellen").click()
    pay.page.wait_for_selector("[role=status]:has-text('Der Zahllauf wurde erstellt.')")
    pay.check("32-finance-payment-run")
    with pay.page.expect_download() as info:
        pay.page.locator("a[href$='/pain001']").first.click()
    xml = Path(info.value.path()).read_bytes()
    assert b"pain.001.001.09" in xml and IBAN.encode() in xml
    pay.goto("/finance/dashboard")
    chart = pay.page.locator("#chart-cycle-cap").locator("..").locator("svg[role=img]")
    assert chart.count() == 1 and "Tage" in chart.locator("desc").text_content()
    pay.check("33-finance-dashboard")


def test_records_manager_disposes_with_second_approver(journey, live_server) -> None:
    clerk, rm1, rm2 = _users(
        live_server,
        ("klara", "clerk", {"department": "63"}),
        ("rm1", "records_manager", {}),
        ("rm2", "records_manager", {}),
    )
    c = journey(clerk)
    c.login(clerk)
    c.goto("/upload")
    title = f"Altbrief {uuid.uuid4().hex[:6]}"
    c.page.set_input_files("#f-files", files=[{"name": "altbrief.pdf", "mimeType": "application/pdf",
                                               "buffer": text_pdf(title)}])
    c.page.get_by_label("Titel (optional, sonst Dateiname)").fill(title)
    c.page.get_by_label("Dokumentdatum").fill("2012-03-01")
    c.page.get_by_label("Aufbewahrung").select_option("ao147-briefe")
    c.page.get_by_role("button", name="Hochladen", exact=True).click()
    c.page.wait_for_selector("#upload-status:has-text('Alle Dateien sind übertragen.')")

    a = journey(rm1)
    a.login(rm1)
    a.goto("/records/due")
    a.check("40-records-due")
    row = a.page.locator("tr", has_text=title)
    row.locator("input[type=checkbox]").check()
    a.page.get_by_role("button", name="Löschantrag für die Auswahl stellen").click()
    a.page.wait_for_selector("[role=status]:has-text('Der Löschantrag wurde gestellt.')")
    a.check("41-records-requested")
    assert a.page.get_by_text("Wartet auf Genehmigung durch eine zweite Person.").count() >= 1

    b = journey(rm2)
    b.login(rm2)
    b.goto("/records/disposals")
    b.page.once("dialog", lambda d: d.accept())  # the confirm() before destroying content
    b.page.locator("tr", has_text=rm1).last.get_by_role("button").click()
    b.page.wait_for_selector("[role=status]:has-text('genehmigt und ausgeführt')")
    b.check("42-records-approved")
    with b.page.expect_download() as info:
        b.page.locator("tr", has_text=rm1).last.get_by_role("link", name="Löschprotokoll (PDF)").click()
    assert Path(info.value.path()).read_bytes().startswith(b"%PDF")
    for path in ("/records/holds", "/records/archive"):
        b.goto(path)
        b.check()


def test_admin_pages_are_accessible(journey, live_server) -> None:
    (admin,) = _users(live_server, ("admin", "admin", {}))
    j = journey("admin")
    j.login(admin)
    for n, path in enumerate(["/admin/users", "/admin/fileplan", "/admin/retention-classes", "/admin/routing",
                              "/admin/health", "/akten", "/search?q=Antrag"]):
        j.goto(path)
        j.check(f"5{n}-admin-{path.strip('/').split('?')[0].replace('/', '-')}" if n in (0, 4) else None)
