import io
import uuid
import zipfile
from datetime import UTC, date, datetime

import pytest
from lxml import etree

from retention import XdomeaError
from retention.xdomea import (
    NS,
    Acknowledgement,
    Agency,
    Appraisal,
    AppraisalCode,
    AussonderungProcess,
    ImportConfirmation,
    OfferDocument,
    OfferObject,
    build_0501,
    build_0503,
    parse_message,
    read_container,
)
from retention.xdomea.messages import ProcessState

PID = "242f44e8-bebf-4503-a086-db252c6a4277"
SENDER = Agency("05315000", "Stadt Köln", "Stadt Köln – Amt 10")
ARCHIVE = Agency("HAStK", "Historisches Archiv der Stadt Köln")
NOW = datetime(2035, 1, 5, 10, 0, tzinfo=UTC)
IDS = [str(uuid.UUID(int=i + 1)) for i in range(3)]


def objects() -> list[OfferObject]:
    d0 = OfferDocument(
        IDS[0],
        "Rechnung Müller & Söhne",
        "022.31-0042/2026-1",
        date(2026, 3, 1),
        date(2026, 3, 2),
        "Rechnung",
        "rechnung 1.pdf",
    )
    akte = OfferObject(
        IDS[1],
        "Akte",
        "Beschaffung Feuerwehr",
        "022.31-0042/2026",
        "022.31",
        date(2026, 1, 1),
        date(2026, 12, 31),
        (d0,),
        AppraisalCode.ARCHIVE,
    )
    d2 = OfferDocument(IDS[2], "Brief", document_date=date(2020, 1, 1), filename="brief.xml")
    return [akte, OfferObject(IDS[2], "Dokument", "Brief", document=d2)]


def q(local: str) -> str:
    return f"{{{NS}}}{local}"


def test_build_0501_structure() -> None:
    xml = build_0501(PID, SENDER, ARCHIVE, objects(), created=NOW)
    root = etree.fromstring(xml)
    assert root.tag == q("Aussonderung.Anbieteverzeichnis.0501")
    kopf = root.find(q("Kopf"))
    assert kopf.findtext(q("ProzessID")) == PID
    assert kopf.find(q("Nachrichtentyp")).findtext("code") == "0501"
    assert (
        kopf.find(f"{q('Absender')}/{q('Behoerdenkennung')}/{q('Behoerdenschluessel')}").findtext("code")
        == "05315000"
    )
    sgos = root.findall(q("Schriftgutobjekt"))
    assert len(sgos) == 2
    akte = sgos[0].find(q("Akte"))
    assert akte.findtext(f"{q('Identifikation')}/{q('ID')}") == IDS[1]
    assert akte.findtext(f"{q('AllgemeineMetadaten')}/{q('Betreff')}") == "Beschaffung Feuerwehr"
    assert akte.findtext(f"{q('Laufzeit')}/{q('Ende')}") == "2026-12-31"
    inner = akte.find(f"{q('Akteninhalt')}/{q('Dokument')}")
    assert inner.findtext(f"{q('AllgemeineMetadaten')}/{q('Betreff')}") == "Rechnung Müller & Söhne"
    assert inner.findtext(q("DatumDesSchreibens")) == "2026-03-01"
    assert inner.find(q("Version")) is None  # 0501 carries no primary documents
    assert sgos[1].find(q("Dokument")) is not None


def test_build_rejects_bad_input() -> None:
    with pytest.raises(XdomeaError):
        build_0501("not-a-uuid", SENDER, ARCHIVE, objects(), created=NOW)
    with pytest.raises(XdomeaError):
        build_0501(PID, SENDER, ARCHIVE, [], created=NOW)
    with pytest.raises(XdomeaError):
        build_0503(PID, SENDER, ARCHIVE, objects(), files={IDS[0]: b"%PDF"}, created=NOW)  # IDS[2] missing
    with pytest.raises(XdomeaError):
        OfferObject(IDS[0], "Vorgang", "x")


def test_build_0503_zip() -> None:
    files = {IDS[0]: b"%PDF-1.7 invoice", IDS[2]: b"<brief/>"}
    name, data = build_0503(PID, SENDER, ARCHIVE, objects(), files=files, created=NOW)
    assert name == f"{PID}_Aussonderung.Aussonderung.0503.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        assert f"{PID}_Aussonderung.Aussonderung.0503.xml" in names
        root = etree.fromstring(zf.read(f"{PID}_Aussonderung.Aussonderung.0503.xml"))
        prim = root.findall(f".//{q('Primaerdokument')}/{q('Dateiname')}")
        filenames = [p.text for p in prim]
        assert filenames == [f"{IDS[0]}_rechnung_1.pdf", f"{IDS[2]}_brief.xml"]
        for fn, content in zip(filenames, files.values(), strict=True):
            assert zf.read(fn) == content
        assert root.find(q("Kopf")).findtext(q("Importbestaetigung")) == "1"


def msg(local: str, body: str, pid: str = PID, ns: str = NS) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><x:{local} xmlns:x="{ns}"><x:Kopf><x:ProzessID>{pid}'
        f"</x:ProzessID></x:Kopf>{body}</x:{local}>"
    ).encode()


def appraisal_xml(decisions: dict[str, str]) -> bytes:
    body = "".join(
        f"<x:BewertetesObjekt><x:ID>{i}</x:ID><x:Aussonderungsart><x:Aussonderungsart><code>{c}</code>"
        "</x:Aussonderungsart></x:Aussonderungsart></x:BewertetesObjekt>"
        for i, c in decisions.items()
    )
    return msg("Aussonderung.Bewertungsverzeichnis.0502", body)


def import_xml(results: dict[str, bool]) -> bytes:
    body = "".join(
        f"<x:AusgesondertesSGO><x:IDSGO>{i}</x:IDSGO><x:Erfolgreich>{int(ok)}</x:Erfolgreich>"
        + ("" if ok else "<x:Fehlermeldung>Format nicht lesbar</x:Fehlermeldung>")
        + (f"<x:Archivkennung>Best. 1-{i[-1]}</x:Archivkennung>" if ok else "")
        + "</x:AusgesondertesSGO>"
        for i, ok in results.items()
    )
    return msg("Aussonderung.AussonderungImportBestaetigen.0506", body)


def test_parse_0502_0506_0507() -> None:
    a = parse_message(appraisal_xml({IDS[0]: "A", IDS[1]: "V", IDS[2]: "B"}))
    assert isinstance(a, Appraisal)
    assert a.decisions == {
        IDS[0]: AppraisalCode.ARCHIVE,
        IDS[1]: AppraisalCode.DESTROY,
        IDS[2]: AppraisalCode.SAMPLE,
    }
    c = parse_message(import_xml({IDS[0]: True, IDS[2]: False}))
    assert isinstance(c, ImportConfirmation)
    assert c.results[IDS[0]].success and c.results[IDS[0]].archive_id == "Best. 1-1"
    assert not c.results[IDS[2]].success and c.results[IDS[2]].messages == ("Format nicht lesbar",)
    ack = parse_message(msg("Aussonderung.AussonderungEmpfangBestaetigen.0507", ""))
    assert ack == Acknowledgement(PID, "0507")
    # older xdomea namespaces with the same names are read too
    old = parse_message(
        msg("Aussonderung.AnbietungEmpfangBestaetigen.0504", "", ns="urn:xoev-de:xdomea:schema:2.4.0")
    )
    assert isinstance(old, Acknowledgement) and old.code == "0504"


@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        b"<not-closed>",
        b"<a xmlns='urn:other'/>",
        msg("Aussonderung.Bewertungsverzeichnis.0502", ""),  # no objects
        msg("Aussonderung.Bewertungsverzeichnis.0502", "", pid="nope"),
        appraisal_xml({IDS[0]: "X"}),
        msg("Aussonderung.Unbekannt.0599", ""),
        msg(
            "Aussonderung.AussonderungImportBestaetigen.0506",
            f"<x:AusgesondertesSGO><x:IDSGO>{IDS[0]}</x:IDSGO><x:Erfolgreich>vielleicht</x:Erfolgreich></x:AusgesondertesSGO>",
        ),
        b"PK\x03\x04garbage",
    ],
)
def test_bad_messages_raise_clear_error(data: bytes) -> None:
    with pytest.raises(XdomeaError):
        read_container(data)


def test_read_zip_container() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{PID}_Aussonderung.Bewertungsverzeichnis.0502.xml", appraisal_xml({IDS[0]: "V"}))
    assert isinstance(read_container(buf.getvalue()), Appraisal)
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("other.txt", b"x")
    with pytest.raises(XdomeaError):
        read_container(empty.getvalue())


def test_process_destroys_only_after_acknowledgement() -> None:
    proc = AussonderungProcess.start(IDS, PID)
    assert proc.destroyable() == []
    with pytest.raises(XdomeaError):  # 0506 before transfer
        proc.receive(parse_message(import_xml({IDS[0]: True})))
    proc.receive(parse_message(appraisal_xml({IDS[0]: "A", IDS[1]: "V"})))  # IDS[2] not appraised
    assert proc.state is ProcessState.APPRAISED
    assert proc.to_transfer() == [IDS[0]]
    assert proc.destroyable() == []  # V waits for the import confirmation of the transfer
    proc.mark_transferred()
    proc.receive(parse_message(msg("Aussonderung.AussonderungEmpfangBestaetigen.0507", "")))
    assert proc.destroyable() == []  # a mere receipt is not an import confirmation
    with pytest.raises(XdomeaError):  # confirmation for an object never transferred
        proc.receive(parse_message(import_xml({IDS[1]: True})))
    proc.receive(parse_message(import_xml({IDS[0]: True})))
    assert proc.destroyable() == [IDS[0], IDS[1]]
    assert proc.archive_ids == {IDS[0]: "Best. 1-1"}
    assert AussonderungProcess.from_dict(proc.to_dict()) == proc


def test_process_failed_import_keeps_record_and_all_v_needs_no_transfer() -> None:
    proc = AussonderungProcess.start(IDS[:2], PID)
    proc.receive(parse_message(appraisal_xml({IDS[0]: "B", IDS[1]: "V"})))
    proc.mark_transferred()
    proc.receive(parse_message(import_xml({IDS[0]: False})))
    assert proc.destroyable() == [IDS[1]]
    only_v = AussonderungProcess.start(IDS[:1], PID)
    only_v.receive(parse_message(appraisal_xml({IDS[0]: "V"})))
    assert only_v.state is ProcessState.CONFIRMED and only_v.destroyable() == [IDS[0]]
    other = AussonderungProcess.start(IDS[:1])
    with pytest.raises(XdomeaError):
        other.receive(parse_message(appraisal_xml({IDS[0]: "V"})))  # different process id
    with pytest.raises(XdomeaError):
        AussonderungProcess.start(IDS[:1], PID).receive(parse_message(appraisal_xml({IDS[2]: "V"})))
