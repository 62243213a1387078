"""Invoice workflow over a real database (SQLite per test): intake, holds, duplicates, decisions with
separation of duties, concurrency, payment runs exactly once, booking export, archive, reconciliation."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import threading
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dms.auth import service as auth
from dms.bootstrap import Container, build_container
from dms.db.migrate import upgrade
from dms.db.tables import Akte, AuditEntry, Document, DocumentVersion
from dms.db.uow import RecordingDispatcher
from dms.domain.principal import Principal
from dms.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dms.invoices import facade, intake, payments, routing, suppliers, workflow
from dms.invoices.errors import DecisionConflict, DecisionRefused, DuplicateInvoice
from dms.invoices.settings import InvoiceSettings
from dms.invoices.tables import Invoice, PaymentRunItem
from dms.settings import Settings
from einvoice.payment.sepa import summarize_pain001, validate_pain001
from tests.paths import CORPUS_DIR

SAMPLE = (
    CORPUS_DIR / "xrechnung-ubl" / "kosit-testsuite" / "business-cases-standard" / "01.10a-INVOICE_ubl.xml"
)
SAMPLE_IBAN = "DE79000000001234567890"
OTHER_IBAN = "DE02120300000000202051"
INVALID = CORPUS_DIR / "invalid" / "kosit-valconf" / "instances"


def invoice_xml(
    number: str = "R-1",
    *,
    issued: date | None = None,
    iban: str = SAMPLE_IBAN,
    leitweg: str = "04011000-12350-85",
) -> bytes:
    """The KoSIT 01.10a business case (Skonto 7 d 2 %, 14 d 1 %; 2,594.20 EUR) with fresh values."""
    text = SAMPLE.read_text(encoding="utf-8")
    issued = issued or date.today()
    text = text.replace("<cbc:ID>Rechnungsnummer</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>", 1)
    text = text.replace("2016-06-27", issued.isoformat())
    text = text.replace(SAMPLE_IBAN, iban)
    text = text.replace("04011000-12350-85", leitweg)
    return text.encode("utf-8")


@pytest.fixture(scope="module")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per module; every test gets its own copy (much faster than migrating)."""
    path = tmp_path_factory.mktemp("invoices-template") / "aktenwerk.sqlite3"
    upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def container(tmp_path, migrated_db: Path):
    settings = Settings(data_dir=tmp_path / "data")
    settings.data_path.mkdir(parents=True)
    shutil.copyfile(migrated_db, settings.data_path / "aktenwerk.sqlite3")
    c = build_container(settings, dispatcher=RecordingDispatcher())
    c.invoice_settings = InvoiceSettings(
        debtor_name="Stadt Musterstadt Stadtkasse",  # type: ignore[attr-defined]
        debtor_iban="DE89370400440532013000",
        debtor_bic="COBADEFFXXX",
    )
    yield c
    c.close()


class World:
    """Supplier + users of every role, created through the real services."""

    def __init__(self, c: Container) -> None:
        self.c = c
        with c.uow() as uow:
            s = suppliers.create_supplier(
                uow.session, None, "Lieferant GmbH", vat_id="DE123456789", ibans=[SAMPLE_IBAN]
            )
            self.supplier_id = int(s.id)
            uow.commit()
        self.supplier = self.user("lieferant", "supplier", supplier_id=self.supplier_id)
        self.clerk = self.user("sachbearbeiter", "clerk", department="63")
        self.clerk2 = self.user("sachbearbeiter2", "clerk", department="63")
        self.other_clerk = self.user("ordnungsamt", "clerk", department="32")
        self.fin_a = self.user("kasse_a", "finance", amount_limit="50000")
        self.fin_b = self.user("kasse_b", "finance", amount_limit="50000")
        self.fin_small = self.user("kasse_klein", "finance", amount_limit="1000")
        self.admin = self.user("admin", "admin")

    def user(self, name: str, role: str, **kw) -> Principal:
        with self.c.uow() as uow:
            u = auth.create_user(uow.session, None, name, role, **kw)
            p = auth.principal_of(uow.session, u)
            uow.commit()
        return p

    def submit(self, data: bytes, who: Principal | None = None, **kw) -> intake.IntakeResult:
        with self.c.uow() as uow:
            return facade.submit(self.c, uow, who or self.supplier, data, "rechnung.xml", **kw)

    def decide(self, who: Principal, invoice_id: int, step: str, decision: str = "approve", **kw) -> dict:
        with self.c.uow() as uow:
            return facade.decide(self.c, uow, who, invoice_id, step=step, decision=decision, **kw)

    def approve_all(self, invoice_id: int) -> dict:
        self.decide(self.clerk, invoice_id, "factual")
        self.decide(self.fin_a, invoice_id, "arithmetic")
        return self.decide(self.fin_b, invoice_id, "payment_order")

    def get(self, invoice_id: int, who: Principal | None = None) -> dict:
        with self.c.uow(read_only=True) as uow:
            return workflow.invoice_view(
                uow.session, workflow.get_invoice(uow.session, who or self.admin, invoice_id)
            )


@pytest.fixture
def world(container) -> World:
    return World(container)


# ------------------------------------------------------------------------------------------- intake


def test_valid_invoice_enters_approval_with_deadlines(world: World) -> None:
    today = date.today()
    result = world.submit(invoice_xml("R-100", issued=today))
    assert result.created and not result.rejected
    assert result.report["valid"] is True
    view = world.get(int(result.invoice.id))
    assert view["status"] == "in_approval"
    assert view["invoice_number"] == "R-100"
    assert view["amount_due"] == "2594.20"
    assert view["supplier"]["id"] == world.supplier_id
    assert view["skonto_deadline"] == (today + timedelta(days=7)).isoformat()
    assert view["skonto_amount"] == "51.88"  # 2 % of 2,594.20
    assert view["due_date"] == (today + timedelta(days=30)).isoformat()  # no BT-9, no net term: § 286 BGB
    assert view["open_step"] == "factual"
    assert view["steps"] == []
    assert view["payee_check"] == "no_match"  # "[Seller name]" in the KoSIT sample vs "Lieferant GmbH"


def test_invalid_invoice_is_recorded_as_rejected_with_report(world: World) -> None:
    bad = sorted(INVALID.glob("*.xml"))[0].read_bytes()
    result = world.submit(bad)
    assert result.rejected
    assert result.report["valid"] is False
    assert result.report["findings"], "the supplier must see why"
    with world.c.uow(read_only=True) as uow:
        row = uow.session.get(Invoice, result.invoice.id)
        assert row is not None and row.status == "rejected" and row.file_key is None
    again = world.submit(bad)  # a rejected file may be sent again (and is rejected again)
    assert again.rejected and again.invoice.id != result.invoice.id


def test_garbage_is_rejected_not_crashing(world: World) -> None:
    result = world.submit(b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>")
    assert result.rejected and result.report["valid"] is False
    with pytest.raises(ValidationFailed):
        world.submit(b"")


def test_same_file_again_is_a_duplicate(world: World) -> None:
    data = invoice_xml("R-200")
    first = world.submit(data)
    with pytest.raises(DuplicateInvoice) as exc:
        world.submit(data)
    assert exc.value.existing_id == first.invoice.id


def test_same_supplier_number_and_amount_is_a_duplicate(world: World) -> None:
    world.submit(invoice_xml("R-300", issued=date.today()))
    with pytest.raises(DuplicateInvoice, match="R-300"):
        world.submit(invoice_xml("R-300", issued=date.today() - timedelta(days=1)))  # different bytes


def test_idempotency_key_replays_and_guards(world: World) -> None:
    data = invoice_xml("R-400")
    first = world.submit(data, idempotency_key="k-1")
    replay = world.submit(data, idempotency_key="k-1")
    assert not replay.created and replay.invoice.id == first.invoice.id
    with pytest.raises(Conflict, match="Idempotency-Key"):
        world.submit(invoice_xml("R-401"), idempotency_key="k-1")


def test_unknown_iban_is_held_until_finance_confirms(world: World) -> None:
    result = world.submit(invoice_xml("R-500", iban=OTHER_IBAN))
    inv_id = int(result.invoice.id)
    view = world.get(inv_id)
    assert view["status"] == "held"
    assert "IBAN changed" in view["held_reason"]
    assert any(a["code"] == "iban_changed" for a in view["alerts"])
    with pytest.raises(DecisionConflict, match="angehalten"):
        world.decide(world.clerk, inv_id, "factual")
    with world.c.uow() as uow, pytest.raises(PermissionDenied):
        facade.confirm_iban(world.c, uow, world.clerk, inv_id)
    with world.c.uow() as uow:
        facade.confirm_iban(world.c, uow, world.fin_a, inv_id)
    assert world.get(inv_id)["status"] == "in_approval"
    with world.c.uow(read_only=True) as uow:
        assert OTHER_IBAN in suppliers.known_ibans(uow.session, world.supplier_id)
    # the next invoice to that account is no longer held
    assert (
        world.get(int(world.submit(invoice_xml("R-501", iban=OTHER_IBAN)).invoice.id))["status"]
        == "in_approval"
    )


def test_first_iban_of_a_supplier_without_bank_details_becomes_known(world: World) -> None:
    with world.c.uow() as uow:
        s = suppliers.create_supplier(uow.session, None, "Neu GmbH", vat_id="DE555555555")
        uow.commit()
    new_sup = world.user("neu", "supplier", supplier_id=int(s.id))
    first = world.submit(invoice_xml("N-1", iban=OTHER_IBAN), who=new_sup)
    assert first.invoice.status == "in_approval"
    assert any(a["code"] == "iban_first_use" for a in first.invoice.alerts)
    assert any(a["code"] == "seller_mismatch" for a in first.invoice.alerts)  # DE123456789 ≠ DE555555555
    with world.c.uow(read_only=True) as uow:
        assert suppliers.known_ibans(uow.session, int(s.id)) == {OTHER_IBAN}
    changed = world.submit(invoice_xml("N-2"), who=new_sup)  # now a different account: held
    assert changed.invoice.status == "held"


def test_finance_upload_matches_supplier_by_vat_id_and_unknown_seller_is_held(world: World) -> None:
    result = world.submit(invoice_xml("R-600"), who=world.fin_a)
    assert result.invoice.supplier_id == world.supplier_id
    data = (
        invoice_xml("R-601").replace(b"DE123456789", b"DE999999999").replace(b"[Seller name]", b"Fremdfirma")
    )
    unknown = world.submit(data, who=world.fin_a)
    assert unknown.invoice.status == "held" and unknown.invoice.supplier_id is None


def test_roles_that_may_not_submit(world: World) -> None:
    with pytest.raises(PermissionDenied):
        world.submit(invoice_xml("R-700"), who=world.clerk)
    unlinked = world.user("lose", "supplier")
    with pytest.raises(PermissionDenied, match="Lieferanten"):
        world.submit(invoice_xml("R-701"), who=unlinked)


# --------------------------------------------------------------------------------------- decisions


def test_full_approval_and_trail(world: World) -> None:
    inv_id = int(world.submit(invoice_xml("R-800")).invoice.id)
    view = world.approve_all(inv_id)
    assert view["status"] == "approved"
    assert [(s["step"], s["decision"], s["user"]) for s in view["steps"]] == [
        ("factual", "approve", "sachbearbeiter"),
        ("arithmetic", "approve", "kasse_a"),
        ("payment_order", "approve", "kasse_b"),
    ]
    with world.c.uow(read_only=True) as uow:
        actions = list(
            uow.session.execute(
                select(AuditEntry.action).where(
                    AuditEntry.object_type == "invoice", AuditEntry.object_id == str(inv_id)
                )
            ).scalars()
        )
        assert actions.count("invoice.decision") == 3
        trail_doc = view["archive"]["trail"]
        assert ("invoices.file_trail", [inv_id]) in world.c.dispatcher.sent  # type: ignore[attr-defined]
    assert facade.file_trail(world.c, inv_id) is True  # the job (run by the worker in production)
    assert facade.file_trail(world.c, inv_id) is False  # idempotent
    with world.c.uow(read_only=True) as uow:
        versions = list(
            uow.session.execute(
                select(DocumentVersion).where(DocumentVersion.document_id == trail_doc)
            ).scalars()
        )
        assert len(versions) == 2  # empty trail at intake + the trail after the decisions, none overwritten
        last = world.c.store.get(versions[-1].sha256)
        assert [s["step"] for s in json.loads(last)["steps"]] == ["factual", "arithmetic", "payment_order"]


def test_same_person_second_step_is_refused_with_message(world: World) -> None:
    inv_id = int(world.submit(invoice_xml("R-900")).invoice.id)
    world.decide(world.fin_a, inv_id, "factual")
    with pytest.raises(DecisionRefused, match="Vier-Augen-Prinzip") as exc:
        world.decide(world.fin_a, inv_id, "arithmetic")
    assert exc.value.code == "same_person"
    world.decide(world.fin_b, inv_id, "arithmetic")
    with pytest.raises(DecisionRefused, match="Vier-Augen"):
        world.decide(world.fin_a, inv_id, "payment_order")
    with world.c.uow(read_only=True) as uow:  # the refused attempt is audited
        refused = uow.session.execute(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "invoice.decision_refused")
        ).scalar_one()
        assert refused == 2


def test_submitter_may_not_approve(world: World) -> None:
    inv_id = int(world.submit(invoice_xml("R-901"), who=world.fin_a).invoice.id)
    with pytest.raises(DecisionRefused, match="eingereicht"):
        world.decide(world.fin_a, inv_id, "factual")


def test_limit_checked_at_decision_time(world: World) -> None:
    inv_id = int(world.submit(invoice_xml("R-902")).invoice.id)  # 2,594.20 EUR
    world.decide(world.clerk, inv_id, "factual")
    world.decide(world.fin_a, inv_id, "arithmetic")
    with pytest.raises(DecisionRefused, match="Betragsgrenze") as exc:
        world.decide(world.fin_small, inv_id, "payment_order")
    assert exc.value.code == "limit_exceeded"
    with world.c.uow() as uow:  # the limit is raised meanwhile: the fresh principal counts
        auth.update_user(uow.session, world.admin, world.fin_small.user_id, amount_limit="5000")
        uow.commit()
        fresh = auth.principal_of(uow.session, auth.get_user(uow.session, world.fin_small.user_id))
    assert world.decide(fresh, inv_id, "payment_order")["status"] == "approved"


def test_wrong_step_wrong_department_and_reject_needs_reason(world: World) -> None:
    inv_id = int(world.submit(invoice_xml("R-903")).invoice.id)
    with world.c.uow() as uow:  # route to unit 63
        routing.create_rule(uow.session, world.admin, {"leitweg_id": "04011000-12350-85", "department": "63"})
        uow.commit()
    routed = int(world.submit(invoice_xml("R-904")).invoice.id)
    assert world.get(routed)["department"] == "63"
    with pytest.raises(DecisionConflict, match="nicht an der Reihe"):
        world.decide(world.fin_a, inv_id, "payment_order")
    with pytest.raises(NotFound):  # another unit's clerk does not even see it
        world.decide(world.other_clerk, routed, "factual")
    with pytest.raises(ValidationFailed, match="Begründung"):
        world.decide(world.clerk, routed, "factual", "reject")
    with pytest.raises(ValidationFailed):
        world.decide(world.clerk, routed, "sachlich")


def test_reject_back_to_previous_and_to_supplier(world: World) -> None:
    inv_id = int(world.submit(invoice_xml("R-905")).invoice.id)
    world.decide(world.clerk, inv_id, "factual")
    view = world.decide(world.fin_a, inv_id, "arithmetic", "reject", comment="Preis falsch")
    assert view["status"] == "in_approval" and view["open_step"] == "factual"
    world.decide(world.clerk, inv_id, "factual")
    view = world.decide(
        world.fin_a, inv_id, "arithmetic", "reject", comment="Gutschrift fehlt", reject_to="supplier"
    )
    assert view["status"] == "returned"
    assert world.get(inv_id, world.supplier)["steps"][-1]["comment"] == "Gutschrift fehlt"
    corrected = world.submit(invoice_xml("R-905", issued=date.today() - timedelta(days=1)))  # same number
    assert corrected.invoice.status == "in_approval" and corrected.invoice.id != inv_id


def test_deputy_acts_for_assigned_clerk(world: World) -> None:
    with world.c.uow() as uow:
        routing.create_rule(
            uow.session,
            world.admin,
            {"leitweg_id": "04011000-12350-85", "department": "63", "assignee_id": world.clerk.user_id},
        )
        uow.commit()
    inv_id = int(world.submit(invoice_xml("R-906")).invoice.id)
    with pytest.raises(DecisionRefused, match="zugewiesen"):
        world.decide(world.clerk2, inv_id, "factual")
    with world.c.uow() as uow:
        routing.add_deputyship(
            uow.session,
            world.admin,
            {
                "absent_id": world.clerk.user_id,
                "deputy_id": world.clerk2.user_id,
                "start": (date.today() - timedelta(days=1)).isoformat(),
                "end": (date.today() + timedelta(days=9)).isoformat(),
            },
        )
        uow.commit()
    view = world.decide(world.clerk2, inv_id, "factual")
    assert view["steps"][0]["on_behalf_of"] == world.clerk.user_id


def test_supplier_sees_only_own_invoices(world: World) -> None:
    inv_id = int(world.submit(invoice_xml("R-907")).invoice.id)
    with world.c.uow() as uow:
        s2 = suppliers.create_supplier(uow.session, None, "Andere AG")
        uow.commit()
    stranger = world.user("fremd", "supplier", supplier_id=int(s2.id))
    assert world.get(inv_id, world.supplier)["id"] == inv_id
    with pytest.raises(NotFound):
        world.get(inv_id, stranger)


def test_concurrent_decisions_on_one_step_one_wins(world: World) -> None:
    inv_id = int(world.submit(invoice_xml("R-908")).invoice.id)
    world.decide(world.clerk, inv_id, "factual")
    people = [world.fin_a, world.fin_b, world.fin_small, world.user("kasse_c", "finance", amount_limit="1")]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(people))

    def go(p: Principal) -> None:
        barrier.wait()
        try:
            world.decide(p, inv_id, "arithmetic")
            outcomes.append("ok")
        except DecisionConflict:
            outcomes.append("409")

    threads = [threading.Thread(target=go, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["409", "409", "409", "ok"]
    assert [s["step"] for s in world.get(inv_id)["steps"]] == ["factual", "arithmetic"]


def test_worklist_is_urgency_ordered_and_filtered(world: World) -> None:
    today = date.today()
    late_skonto = int(
        world.submit(invoice_xml("W-1", issued=today - timedelta(days=5))).invoice.id
    )  # Skonto in 2 d
    fresh = int(world.submit(invoice_xml("W-2", issued=today)).invoice.id)  # Skonto in 7 d
    old = int(world.submit(invoice_xml("W-3", issued=today - timedelta(days=20))).invoice.id)  # Skonto gone
    with world.c.uow(read_only=True) as uow:
        mine = workflow.worklist(uow.session, world.clerk, view="mine")
        assert [w.invoice.id for w in mine] == [late_skonto, fresh, old]
        assert workflow.worklist(uow.session, world.fin_a, view="mine")[:1][
            0
        ].can_act  # finance may sign factual
        assert workflow.worklist(uow.session, world.supplier, view="mine") == []
    world.decide(world.clerk, late_skonto, "factual")
    with world.c.uow(read_only=True) as uow:
        assert late_skonto not in [
            w.invoice.id for w in workflow.worklist(uow.session, world.clerk, view="mine")
        ]
        assert (
            next(w.invoice.id for w in workflow.worklist(uow.session, world.fin_a, view="mine"))
            == late_skonto
        )


# ------------------------------------------------------------------------------------- payment runs


def _approved(world: World, n: int, prefix: str, issued: date | None = None) -> list[int]:
    ids = []
    for i in range(n):
        inv_id = int(world.submit(invoice_xml(f"{prefix}-{i}", issued=issued)).invoice.id)
        world.approve_all(inv_id)
        ids.append(inv_id)
    return ids


def test_payment_run_pays_every_approved_invoice_once_with_skonto(world: World) -> None:
    today = date.today()
    in_time = _approved(world, 2, "P", issued=today)
    too_late = _approved(world, 1, "Q", issued=today - timedelta(days=20))
    pending = int(world.submit(invoice_xml("P-open")).invoice.id)  # not approved: stays out
    with world.c.uow() as uow:
        run = facade.create_payment_run(world.c, uow, world.fin_a)
    with world.c.uow(read_only=True) as uow:
        view = payments.run_view(uow.session, run, with_items=True)
    assert sorted(view["invoice_ids"]) == sorted(in_time + too_late)
    assert pending not in view["invoice_ids"]
    amounts = {i["invoice_id"]: Decimal(i["amount"]) for i in view["items"]}
    assert all(amounts[i] == Decimal("2542.32") for i in in_time)  # 2,594.20 − 2 % Skonto
    assert amounts[too_late[0]] == Decimal("2594.20")
    assert Decimal(view["total"]) == Decimal("2542.32") * 2 + Decimal("2594.20")
    xml = run.pain001.encode()
    assert validate_pain001(xml) == []
    summary = summarize_pain001(xml)
    assert summary.control_sum == Decimal(view["total"])
    assert set(summary.end_to_end_ids) == {payments.e2e_id(i) for i in in_time + too_late}
    assert world.get(in_time[0])["status"] == "scheduled"
    with world.c.uow() as uow:  # nothing left: the next run is empty
        second = facade.create_payment_run(world.c, uow, world.fin_a)
    assert second.status == "empty" and second.count == 0 and second.pain001 is None
    with world.c.uow() as uow, pytest.raises(PermissionDenied):
        facade.create_payment_run(world.c, uow, world.clerk)


def test_concurrent_payment_runs_pay_each_invoice_exactly_once(world: World) -> None:
    ids = _approved(world, 6, "C")
    results: list[list[int]] = []
    barrier = threading.Barrier(4)

    def go() -> None:
        barrier.wait()
        with world.c.uow() as uow:
            run = facade.create_payment_run(world.c, uow, world.fin_a)
        with world.c.uow(read_only=True) as uow:
            results.append(payments.run_view(uow.session, run)["invoice_ids"])

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    paid = [i for r in results for i in r]
    assert sorted(paid) == sorted(ids)
    with world.c.uow(read_only=True) as uow:
        assert uow.session.execute(select(func.count()).select_from(PaymentRunItem)).scalar_one() == 6


def test_execute_reconcile_and_booking_export(world: World) -> None:
    ids = _approved(world, 2, "E")
    with world.c.uow() as uow:
        run = facade.create_payment_run(world.c, uow, world.fin_a)
    run_id = int(run.id)
    with world.c.uow() as uow:
        export = payments.booking_export(uow.session, world.fin_a, run_id, "csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert [int(r["invoice_id"]) for r in rows] == sorted(ids)
    assert rows[0]["supplier"] == "Lieferant GmbH" and rows[0]["amount_due"] == "2594.20"
    with world.c.uow() as uow:
        as_json = json.loads(payments.booking_export(uow.session, world.fin_a, run_id, "json").content)
    assert len(as_json["bookings"]) == 2
    with world.c.uow() as uow:
        payments.mark_executed(uow.session, world.fin_a, run_id)
        uow.commit()
    assert world.get(ids[0])["status"] == "paid"
    with world.c.uow() as uow, pytest.raises(Conflict):
        payments.mark_executed(uow.session, world.fin_a, run_id)
    with world.c.uow(read_only=True) as uow:
        entries = "".join(
            f"<Ntry><Amt Ccy='EUR'>{i.amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
            f"<NtryDtls><TxDtls><Refs><EndToEndId>{i.end_to_end_id}</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>"
            for i in payments.run_items(uow.session, run_id)
        )
    camt = (
        f"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.08'><BkToCstmrStmt><Stmt><Id>1</Id>"
        f"{entries}</Stmt></BkToCstmrStmt></Document>"
    ).encode()
    with world.c.uow() as uow:
        summary = payments.reconcile_statement(uow.session, world.fin_a, run_id, camt)
        uow.commit()
    assert summary["status"] == "reconciled" and len(summary["booked"]) == 2


def test_a_transfer_the_bank_returns_reopens_the_invoice(world: World) -> None:
    # a returned transfer (credit back, same end-to-end id) used to leave the invoice "paid" for good
    ids = _approved(world, 2, "RT")
    with world.c.uow() as uow:
        run_id = int(facade.create_payment_run(world.c, uow, world.fin_a).id)
    with world.c.uow() as uow:
        payments.mark_executed(uow.session, world.fin_a, run_id)
        uow.commit()
    with world.c.uow(read_only=True) as uow:
        items = {i.invoice_id: i for i in payments.run_items(uow.session, run_id)}

    def entry(item: PaymentRunItem, direction: str) -> str:
        return (
            f"<Ntry><Amt Ccy='EUR'>{item.amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
            f"<NtryDtls><TxDtls><Refs><EndToEndId>{item.end_to_end_id}</EndToEndId></Refs></TxDtls></NtryDtls>"
            "</Ntry>"
        )

    paid, bounced = items[ids[0]], items[ids[1]]
    camt = (
        "<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.08'><BkToCstmrStmt><Stmt><Id>1</Id>"
        f"{entry(paid, 'DBIT')}{entry(bounced, 'DBIT')}{entry(bounced, 'CRDT')}</Stmt></BkToCstmrStmt></Document>"
    ).encode()
    for _ in range(2):  # the same statement twice changes nothing more
        with world.c.uow() as uow:
            summary = payments.reconcile_statement(uow.session, world.fin_a, run_id, camt)
            uow.commit()
        assert summary["returned"] == [bounced.end_to_end_id] and summary["status"] == "executed"
    assert world.get(ids[0])["status"] == "paid"
    returned = world.get(ids[1])
    assert returned["status"] == "held" and "zurückgegeben" in returned["held_reason"]
    assert returned["paid_on"] is None and returned["paid_amount"] is None
    assert [a["code"] for a in returned["alerts"]].count("payment_returned") == 1
    with world.c.uow(read_only=True) as uow:  # finance sees it in the held worklist
        held = workflow.worklist(uow.session, world.fin_a, view="held", limit=50)
        assert [w.invoice.id for w in held] == [ids[1]]
    with world.c.uow() as uow, pytest.raises(DecisionConflict) as refused:  # no way back into approval
        facade.confirm_iban(world.c, uow, world.fin_a, ids[1])
    assert refused.value.code == "payment_returned"
    with world.c.uow() as uow:  # and no run picks it up again (its one run item is the returned one)
        assert facade.create_payment_run(world.c, uow, world.fin_a).status == "empty"


def test_archive_files_original_xml_report_and_trail_in_finance_akte(world: World) -> None:
    data = invoice_xml("A-1")
    result = world.submit(data)
    archive = result.invoice.archive
    assert set(archive) >= {"original", "xml", "report", "trail", "akte_id"}
    with world.c.uow(read_only=True) as uow:
        akte = uow.session.get(Akte, archive["akte_id"])
        assert akte is not None and akte.title == f"Eingangsrechnungen {date.today().year}"
        assert akte.retention_class == "ao147-belege"
        original = uow.session.get(Document, archive["original"])
        assert original is not None and original.retention_class == "ao147-belege"
        assert original.akte_id == akte.id
        assert world.c.store.get(original.sha256) == data  # bit-exact
        report = uow.session.get(Document, archive["report"])
        assert json.loads(world.c.store.get(report.sha256))["valid"] is True
    second = world.submit(invoice_xml("A-2"))
    assert second.invoice.archive["akte_id"] == archive["akte_id"]  # one Akte per year
    assert ("dms.ingest", [archive["original"]]) in world.c.dispatcher.sent  # type: ignore[attr-defined]


def test_invoice_without_transfer_iban_is_flagged_and_left_out_of_runs(world: World) -> None:
    paypal = SAMPLE.parent / "01.19a-INVOICE_ubl.xml"  # KoSIT case paid by PayPal: no BT-84
    result = world.submit(paypal.read_bytes())
    assert result.invoice.status == "in_approval" and result.invoice.iban is None
    assert any(a["code"] == "no_iban" for a in result.invoice.alerts)
    world.approve_all(int(result.invoice.id))
    with world.c.uow() as uow:
        run = facade.create_payment_run(world.c, uow, world.fin_a)
    assert run.status == "empty"


def test_confirming_the_iban_of_a_credit_note_does_not_release_it_for_payment(world: World) -> None:
    # a credit note (BT-3 381) is money the supplier owes us: confirming its (unknown) IBAN used to move it into
    # approval, and the payment run then transferred the credit amount to the supplier
    credit_note = CORPUS_DIR / "xrechnung-ubl" / "kosit-visualization" / "maxRechnung_creditnote.xml"
    result = world.submit(credit_note.read_bytes())
    inv_id = int(result.invoice.id)
    view = world.get(inv_id)
    assert view["status"] == "held" and view["held_reason"].startswith("Gutschrift")
    assert any(a["code"] == "credit_note" for a in view["alerts"])
    with world.c.uow() as uow, pytest.raises(DecisionConflict, match="Gutschrift") as refused:
        facade.confirm_iban(world.c, uow, world.fin_a, inv_id)
    assert refused.value.code == "credit_note"
    assert world.get(inv_id)["status"] == "held"
    with world.c.uow(read_only=True) as uow:  # the credit note's account did not become a known one
        assert suppliers.known_ibans(uow.session, world.supplier_id) == {SAMPLE_IBAN}
    with world.c.uow() as uow:
        run = facade.create_payment_run(world.c, uow, world.fin_a)
    assert run.status == "empty"


def test_foreign_currency_invoice_is_flagged_and_never_paid_as_euro(world: World) -> None:
    # a USD invoice used to go into the SEPA file with its USD amount written as EUR
    usd = invoice_xml("USD-1").replace(b'currencyID="EUR"', b'currencyID="USD"')
    usd = usd.replace(b"<cbc:DocumentCurrencyCode>EUR<", b"<cbc:DocumentCurrencyCode>USD<")
    result = world.submit(usd)
    assert result.invoice.currency == "USD" and result.invoice.status == "in_approval"
    assert any(a["code"] == "foreign_currency" for a in result.invoice.alerts)
    euro = world.submit(invoice_xml("EUR-1"))
    world.approve_all(int(result.invoice.id))
    world.approve_all(int(euro.invoice.id))
    with world.c.uow() as uow:
        run = facade.create_payment_run(world.c, uow, world.fin_a)
        run_id = int(run.id)
    with world.c.uow(read_only=True) as uow:
        paid = uow.session.scalars(
            select(PaymentRunItem.invoice_id).where(PaymentRunItem.run_id == run_id)
        ).all()
    assert list(paid) == [int(euro.invoice.id)]
    assert world.get(int(result.invoice.id))["status"] == "approved"


def test_iban_outside_the_sepa_zone_is_held_and_never_in_a_sepa_run(world: World) -> None:
    # a Brazilian IBAN is a valid IBAN; it used to pass confirm-iban and go into the pain.001 file
    brazil = "BR1800360305000010009795493C1"
    result = world.submit(invoice_xml("BR-1", iban=brazil))
    inv_id = int(result.invoice.id)
    view = world.get(inv_id)
    assert view["status"] == "held" and "SEPA" in view["held_reason"]
    assert any(a["code"] == "iban_not_sepa" for a in view["alerts"])
    with world.c.uow() as uow, pytest.raises(DecisionConflict) as refused:
        facade.confirm_iban(world.c, uow, world.fin_a, inv_id)
    assert refused.value.code == "iban_not_sepa"
    with world.c.uow() as uow:
        assert facade.create_payment_run(world.c, uow, world.fin_a).status == "empty"


def test_zugferd_pdf_is_archived_as_pdf_plus_extracted_xml(world: World) -> None:
    pdf = CORPUS_DIR / "zugferd-pdf" / "ferd-zugferd-2.4" / "XRECHNUNG_Einfach_fx.pdf"
    with world.c.uow() as uow:
        suppliers.add_known_iban(uow.session, None, world.supplier_id, OTHER_IBAN)
        uow.commit()
    result = world.submit(pdf.read_bytes())
    assert result.invoice.status == "in_approval", result.invoice.held_reason
    archive = result.invoice.archive
    assert archive["xml"] != archive["original"]
    with world.c.uow(read_only=True) as uow:
        original = uow.session.get(Document, archive["original"])
        xml = uow.session.get(Document, archive["xml"])
        assert original.mime_type == "application/pdf"
        assert world.c.store.get(original.sha256) == pdf.read_bytes()
        assert b"CrossIndustryInvoice" in world.c.store.get(xml.sha256)
