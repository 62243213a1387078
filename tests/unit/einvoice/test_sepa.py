"""pain.001.001.09 output (XSD-valid, exact sums, Skonto applied) and camt.053.001.08 reconciliation."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from lxml import etree

from einvoice.domain.terms import parse_skonto, payable_amount
from einvoice.payment.camt import parse_camt053, reconcile
from einvoice.payment.errors import PaymentFileError
from einvoice.payment.sepa import (
    PAIN001_NS,
    CreditTransfer,
    Debtor,
    build_pain001,
    summarize_pain001,
    to_cents,
    validate_pain001,
)

KASSE = Debtor("Stadt Musterstadt – Stadtkasse", "DE89 3704 0044 0532 0130 00", "COBADEFFXXX")
EXEC = date(2026, 3, 12)
NS = {"p": PAIN001_NS}


def transfer(i: int, amount: str, **kw) -> CreditTransfer:
    return CreditTransfer(
        end_to_end_id=kw.pop("e2e", f"AW-{i}"),
        creditor_name=kw.pop("name", f"Lieferant {i} GmbH"),
        iban=kw.pop("iban", "DE02120300000000202051"),
        amount=D(amount),
        remittance=kw.pop("remittance", f"Rechnung R-{i}"),
        **kw,
    )


def test_valid_file_with_exact_sums() -> None:
    amounts = ["1166.20", "0.01", "999999999.99", "12.30"]
    xml = build_pain001(
        KASSE,
        [transfer(i, a) for i, a in enumerate(amounts)],
        execution_date=EXEC,
        message_id="AW-RUN-0001",
        created_at=datetime(2026, 3, 11, 8, 0, tzinfo=UTC),
    )
    assert validate_pain001(xml) == []
    root = etree.fromstring(xml)
    assert root.tag == f"{{{PAIN001_NS}}}Document"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", namespaces=NS) == "AW-RUN-0001"
    assert (
        root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CreDtTm", namespaces=NS) == "2026-03-11T08:00:00+00:00"
    )
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "1000001178.50"
    assert root.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:ReqdExctnDt/p:Dt", namespaces=NS) == "2026-03-12"
    assert root.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == (
        "DE89370400440532013000"
    )
    summary = summarize_pain001(xml)
    assert summary.declared_count == 4
    assert summary.control_sum == summary.sum_of_amounts == sum(D(a) for a in amounts)
    assert summary.amounts["AW-1"] == D("0.01")
    assert summary.end_to_end_ids == ("AW-0", "AW-1", "AW-2", "AW-3")


def test_many_random_amounts_sum_exactly() -> None:
    rng = random.Random(7)
    amounts = [D(rng.randint(1, 10_000_000)) / 100 for _ in range(500)]
    xml = build_pain001(
        KASSE, [transfer(i, str(a)) for i, a in enumerate(amounts)], execution_date=EXEC, message_id="AW-R2"
    )
    summary = summarize_pain001(xml)
    assert summary.control_sum == sum(amounts)
    assert len(summary.end_to_end_ids) == 500
    assert validate_pain001(xml) == []


def test_skonto_is_deducted_when_paid_in_time() -> None:
    terms = parse_skonto("#SKONTO#TAGE=14#PROZENT=2.00#\n").terms
    issued = date(2026, 3, 1)
    in_time, discount = payable_amount(terms, issued, D("1190.00"), EXEC)
    late, no_discount = payable_amount(terms, issued, D("1190.00"), date(2026, 3, 16))
    xml = build_pain001(
        KASSE,
        [transfer(1, str(in_time)), transfer(2, str(late))],
        execution_date=EXEC,
        message_id="AW-SKONTO",
    )
    summary = summarize_pain001(xml)
    assert summary.amounts == {"AW-1": D("1166.20"), "AW-2": D("1190.00")}
    assert (discount, no_discount) == (D("23.80"), D("0.00"))


def test_names_are_transliterated_and_cut_to_sepa_limits() -> None:
    xml = build_pain001(
        KASSE,
        [transfer(1, "10.00", name="Müller & Söhne Straßenbau " + "X" * 80, remittance="R" * 200)],
        execution_date=EXEC,
        message_id="AW-NAMES",
    )
    root = etree.fromstring(xml)
    name = root.findtext(".//p:Cdtr/p:Nm", namespaces=NS)
    assert name is not None and name.startswith("Muller & Sohne Strassenbau") and len(name) == 70
    assert len(root.findtext(".//p:RmtInf/p:Ustrd", namespaces=NS) or "") == 140


@pytest.mark.parametrize(
    ("amount", "match"),
    [
        ("0.00", "positiv"),
        ("-5.00", "positiv"),
        ("1.005", "zwei Nachkommastellen"),
        ("1000000000.00", "Höchstbetrag"),
        ("NaN", "endliche"),
    ],
)
def test_bad_amounts_are_refused(amount: str, match: str) -> None:
    with pytest.raises(PaymentFileError, match=match):
        to_cents(D(amount))
    with pytest.raises(PaymentFileError):
        build_pain001(KASSE, [transfer(1, amount)], execution_date=EXEC, message_id="AW-X")


@pytest.mark.parametrize(
    ("transfers", "match"),
    [
        ([], "ohne Überweisungen"),
        ([transfer(1, "1.00", iban="DE02120300000000202052")], "IBAN"),
        ([transfer(1, "1.00", bic="NOTABIC")], "BIC"),
        ([transfer(1, "1.00"), transfer(2, "2.00", e2e="AW-1")], "doppelt"),
        ([transfer(1, "1.00", e2e="x" * 36)], "End-to-End"),
        ([transfer(1, "1.00", e2e="AW_1<")], "End-to-End"),
        ([transfer(1, "1.00", currency="USD")], "EUR"),
        ([transfer(1, "1.00", name="  ")], "Empfängername"),
    ],
)
def test_bad_transfers_are_refused(transfers: list[CreditTransfer], match: str) -> None:
    with pytest.raises(PaymentFileError, match=match):
        build_pain001(KASSE, transfers, execution_date=EXEC, message_id="AW-X")


def test_bad_debtor_account_is_refused() -> None:
    with pytest.raises(PaymentFileError, match="Auftraggeberkonto"):
        build_pain001(
            Debtor("Kasse", "DE00123"), [transfer(1, "1.00")], execution_date=EXEC, message_id="AW-X"
        )


def test_validator_catches_tampering() -> None:
    xml = build_pain001(
        KASSE, [transfer(1, "10.00"), transfer(2, "5.00")], execution_date=EXEC, message_id="AW-T"
    )
    tampered_sum = xml.replace(b"<CtrlSum>15.00</CtrlSum>", b"<CtrlSum>16.00</CtrlSum>", 1)
    assert any("CtrlSum" in p for p in validate_pain001(tampered_sum))
    broken_schema = xml.replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>XXX</PmtMtd>")
    assert validate_pain001(broken_schema) != []
    assert validate_pain001(b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>") != []
    assert validate_pain001(b"not xml") != []


# ------------------------------------------------------------------------------------------ camt.053

CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>STMT-2026-03-13</MsgId><CreDtTm>2026-03-13T06:00:00+01:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>2026-03-13-001</Id>
   <CreDtTm>2026-03-13T06:00:00+01:00</CreDtTm>
   <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>
   <Ntry>
    <Amt Ccy="EUR">1166.20</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><Dt>2026-03-12</Dt></BookgDt><ValDt><Dt>2026-03-12</Dt></ValDt>
    <AcctSvcrRef>BANKREF-1</AcctSvcrRef>
    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
    <NtryDtls><TxDtls>
      <Refs><EndToEndId>AW-1</EndToEndId></Refs>
      <RltdPties><Cdtr><Pty><Nm>Lieferant 1 GmbH</Nm></Pty></Cdtr>
        <CdtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></CdtrAcct></RltdPties>
      <RmtInf><Ustrd>Rechnung R-1</Ustrd></RmtInf>
    </TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">15.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><Dt>2026-03-12</Dt></BookgDt>
    <NtryDtls>
     <TxDtls><Refs><EndToEndId>AW-2</EndToEndId></Refs></TxDtls>
     <TxDtls><Refs><EndToEndId>AW-3</EndToEndId></Refs></TxDtls>
    </NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">99.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <NtryDtls><TxDtls><Refs><EndToEndId>AW-4</EndToEndId></Refs></TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">7.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <NtryDtls><TxDtls><Refs><EndToEndId>AW-5</EndToEndId></Refs></TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">3.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts>
    <NtryDtls><TxDtls><Refs><EndToEndId>AW-6</EndToEndId></Refs></TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
     <RltdPties><Dbtr><Pty><Nm>Gebührenzahler</Nm></Pty></Dbtr></RltdPties></TxDtls></NtryDtls>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>
""".encode()


def test_parse_camt053() -> None:
    (stmt,) = parse_camt053(CAMT)
    assert stmt.statement_id == "2026-03-13-001"
    assert stmt.iban == "DE89370400440532013000"
    assert stmt.created is not None and stmt.created.utcoffset() is not None
    assert len(stmt.entries) == 6
    first = stmt.entries[0]
    assert (first.amount, first.currency, first.credit, first.status) == (D("1166.20"), "EUR", False, "BOOK")
    assert first.booking_date == date(2026, 3, 12)
    assert first.end_to_end_ids == ("AW-1",)
    assert first.remittance == ("Rechnung R-1",)
    assert (first.counterparty_name, first.counterparty_iban) == (
        "Lieferant 1 GmbH",
        "DE02120300000000202051",
    )
    assert stmt.entries[1].end_to_end_ids == ("AW-2", "AW-3")
    assert stmt.entries[5].end_to_end_ids == ()
    assert stmt.entries[5].counterparty_name == "Gebührenzahler"


def test_reconcile_against_expected_transfers() -> None:
    expected = {
        "AW-1": D("1166.20"),
        "AW-2": D("10.00"),
        "AW-3": D("5.00"),
        "AW-4": D("98.00"),
        "AW-5": D("7.00"),
        "AW-6": D("3.00"),
        "AW-7": D("1.00"),
    }
    result = reconcile(parse_camt053(CAMT), expected)
    assert sorted(result.paid) == ["AW-1", "AW-2", "AW-3"]
    assert result.amount_mismatch == {"AW-4": (D("98.00"), D("99.00"))}
    assert list(result.returned) == ["AW-5"]
    assert result.open == ("AW-6", "AW-7")  # pending entries do not count as paid


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><Document>&x;</Document>", "nicht lesbar"),
        (b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.001.001.09'/>", "Kein camt.053"),
        (b"garbage", "nicht lesbar"),
        (CAMT.replace(b"1166.20</Amt>", b"abc</Amt>"), "Betrag"),
        (
            CAMT.replace(
                b"<CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>PDNG", b"<CdtDbtInd>X</CdtDbtInd><Sts><Cd>PDNG"
            ),
            "Soll/Haben",
        ),
        (
            CAMT.replace(b"<Dt>2026-03-12</Dt></BookgDt><ValDt>", b"<Dt>2026-13-12</Dt></BookgDt><ValDt>"),
            "Datum",
        ),
    ],
)
def test_bad_statements_give_clear_errors(data: bytes, match: str) -> None:
    with pytest.raises(PaymentFileError, match=match):
        parse_camt053(data)
