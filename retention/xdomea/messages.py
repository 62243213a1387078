"""Build and read xdomea 3.0.0 Aussonderung messages (0501, 0502, 0503, 0504–0507).

Flow: offer list 0501 (metadata only) → archive appraisal 0502 (A archive / V destroy / B sample) →
transfer 0503 (A/B objects with primary files, zipped) → import confirmation 0506 (per object) →
local destruction. Receipts 0504/0505/0507 only acknowledge delivery.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from lxml import etree

from retention.errors import XdomeaError
from retention.xdomea.safexml import parse_xml

XDOMEA_VERSION = "3.0.0"
NS = f"urn:xoev-de:xdomea:schema:{XDOMEA_VERSION}"
_NS_PREFIX = "urn:xoev-de:xdomea:schema:"
_X = f"{{{NS}}}"
_NSMAP = {"xdomea": NS}
PRODUCT = "Aktenwerk"

MAX_ZIP_MEMBERS = 100_000
MAX_ZIP_XML_BYTES = 64 * 1024 * 1024

_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# xdomea code list "Dateiformat": PDF/A as in the Landesarchiv Thüringen 3.0.0 example (code 044).
# Other formats are not verified here; they are sent without a format code ("999" = sonstiges is not assumed).
_FORMAT_CODES = {"pdf": "044"}


class AppraisalCode(StrEnum):
    """Aussonderungsart (xdomea code list ``urn:xoev-de:xdomea:codeliste:aussonderungsart``)."""

    ARCHIVE = "A"  #: archivwürdig – hand over
    DESTROY = "V"  #: vernichten
    SAMPLE = "B"  #: bewerten / Auswahl (sample) – handed over, the archive selects


def _check_uuid(value: str, what: str) -> str:
    if not _UUID_RE.match(value or ""):
        raise XdomeaError(f"{what} muss eine UUID sein: {value!r}")
    return value.lower()


@dataclass(frozen=True, slots=True)
class Agency:
    """Sender/recipient: Behördenschlüssel (code + name) and institution name."""

    code: str
    name: str
    institution: str = ""


@dataclass(frozen=True, slots=True)
class OfferDocument:
    id: str  #: UUID of the Schriftgutobjekt
    betreff: str
    kennzeichen: str = ""
    document_date: date | None = None  #: DatumDesSchreibens
    received: date | None = None  #: Posteingangsdatum
    typ: str = ""
    filename: str = ""  #: original file name of the primary document (for 0503)


@dataclass(frozen=True, slots=True)
class OfferObject:
    """A Schriftgutobjekt offered to the archive: an Akte (with documents) or a single Dokument."""

    id: str
    kind: str  #: "Akte" or "Dokument"
    betreff: str
    kennzeichen: str = ""  #: Aktenzeichen
    aktenplan: str = ""  #: file-plan code (Aktenplaneinheit/Kennzeichen)
    begin: date | None = None
    end: date | None = None
    documents: tuple[OfferDocument, ...] = ()
    proposal: AppraisalCode | None = None  #: the authority's own suggestion (Aussonderungsart)
    document: OfferDocument | None = None  #: for kind == "Dokument"

    def __post_init__(self) -> None:
        if self.kind not in ("Akte", "Dokument"):
            raise XdomeaError(f"Schriftgutobjekt-Typ {self.kind!r} nicht unterstützt (Akte, Dokument)")
        if self.kind == "Dokument" and self.document is None:
            raise XdomeaError("Schriftgutobjekt Dokument ohne Dokument-Angaben")

    def all_documents(self) -> tuple[OfferDocument, ...]:
        return (self.document,) if self.document is not None else self.documents


def container_name(process_id: str, message: str, code: str) -> str:
    """``<process-uuid>_Aussonderung.<Name>.<code>`` (without extension)."""
    return f"{process_id}_Aussonderung.{message}.{code}"


# ---------------------------------------------------------------- building


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, _X + name)
    if text is not None:
        el.text = text
    return el


def _code(
    parent: etree._Element,
    name: str,
    code: str,
    *,
    list_uri: str | None = None,
    version: str | None = None,
    label: str | None = None,
) -> etree._Element:
    el = _sub(parent, name)
    if list_uri:
        el.set("listURI", list_uri)
    if version:
        el.set("listVersionID", version)
    c = etree.SubElement(el, "code")
    c.text = code
    if label:
        n = etree.SubElement(el, "name")
        n.text = label
    return el


def _agency(parent: etree._Element, name: str, agency: Agency) -> None:
    el = _sub(parent, name)
    kennung = _sub(el, "Behoerdenkennung")
    _code(kennung, "Behoerdenschluessel", agency.code, label=agency.name)
    if agency.institution:
        inst = _sub(el, "Institution")
        _sub(inst, "Name", agency.institution)


def _kopf(
    root: etree._Element,
    process_id: str,
    code: str,
    created: datetime,
    *,
    sender: Agency,
    recipient: Agency,
    transfer: bool = False,
) -> None:
    kopf = _sub(root, "Kopf")
    _sub(kopf, "ProzessID", process_id)
    _code(kopf, "Nachrichtentyp", code, list_uri="urn:xoev-de:xdomea:codeliste:nachrichtentyp", version="2.0")
    _sub(kopf, "Erstellungszeitpunkt", created.replace(microsecond=0).isoformat())
    _agency(kopf, "Absender", sender)
    _agency(kopf, "Empfaenger", recipient)
    system = _sub(kopf, "SendendesSystem")
    _sub(system, "Produktname", PRODUCT)
    if transfer:
        _sub(kopf, "Importbestaetigung", "1")
        _sub(kopf, "RueckmeldungArchivkennung", "1")
    _sub(kopf, "Empfangsbestaetigung", "1")


def _meta(parent: etree._Element, betreff: str, kennzeichen: str, aktenplan: str = "") -> None:
    meta = _sub(parent, "AllgemeineMetadaten")
    _sub(meta, "Betreff", betreff)
    if kennzeichen:
        _sub(meta, "Kennzeichen", kennzeichen)
    if aktenplan:
        ape = _sub(meta, "Aktenplaneinheit")
        _sub(ape, "Kennzeichen", aktenplan)


def _ident(parent: etree._Element, object_id: str) -> None:
    ident = _sub(parent, "Identifikation")
    _sub(ident, "ID", object_id)


def _archive_meta(parent: etree._Element, proposal: AppraisalCode | None) -> None:
    if proposal is None:
        return
    arch = _sub(parent, "ArchivspezifischeMetadaten")
    outer = _sub(arch, "Aussonderungsart")
    _code(
        outer,
        "Aussonderungsart",
        proposal.value,
        list_uri="urn:xoev-de:xdomea:codeliste:aussonderungsart",
        version="1.0",
    )


def primary_filename(doc: OfferDocument) -> str:
    """Name of the primary file inside the 0503 container: ``<uuid>_<safe original name>``."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", doc.filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip("._")
    return f"{doc.id}_{base or 'dokument'}"


def _document(
    parent: etree._Element, doc: OfferDocument, with_files: bool, proposal: AppraisalCode | None
) -> None:
    el = _sub(parent, "Dokument")
    _ident(el, doc.id)
    _meta(el, doc.betreff, doc.kennzeichen)
    _archive_meta(el, proposal)
    if doc.received:
        _sub(el, "Posteingangsdatum", doc.received.isoformat())
    if doc.document_date:
        _sub(el, "DatumDesSchreibens", doc.document_date.isoformat())
    if doc.typ:
        _sub(el, "Typ", doc.typ)
    if with_files:
        version = _sub(el, "Version")
        _sub(version, "Nummer", "1")
        fmt = _sub(version, "Format")
        ext = doc.filename.rsplit(".", 1)[-1].lower() if "." in doc.filename else ""
        if ext in _FORMAT_CODES:
            _code(
                fmt,
                "Name",
                _FORMAT_CODES[ext],
                list_uri="urn:xoev-de:xdomea:codeliste:dateiformat",
                version="1.0",
            )
        _sub(fmt, "Version", "")
        prim = _sub(fmt, "Primaerdokument")
        _sub(prim, "Dateiname", primary_filename(doc))
        if doc.filename:
            _sub(prim, "DateinameOriginal", doc.filename)


def _objects(root: etree._Element, objects: Iterable[OfferObject], with_files: bool) -> None:
    for obj in objects:
        sgo = _sub(root, "Schriftgutobjekt")
        if obj.kind == "Dokument":
            assert obj.document is not None
            _document(sgo, obj.document, with_files, obj.proposal)
            continue
        akte = _sub(sgo, "Akte")
        _ident(akte, obj.id)
        _meta(akte, obj.betreff, obj.kennzeichen, obj.aktenplan)
        _archive_meta(akte, obj.proposal)
        if obj.begin or obj.end:
            laufzeit = _sub(akte, "Laufzeit")
            if obj.begin:
                _sub(laufzeit, "Beginn", obj.begin.isoformat())
            if obj.end:
                _sub(laufzeit, "Ende", obj.end.isoformat())
        if obj.documents:
            inhalt = _sub(akte, "Akteninhalt")
            for doc in obj.documents:
                _document(inhalt, doc, with_files, None)


def _serialise(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def build_0501(
    process_id: str, sender: Agency, recipient: Agency, objects: Iterable[OfferObject], *, created: datetime
) -> bytes:
    """Anbieteverzeichnis (offer list): metadata only, no primary documents."""
    process_id = _check_uuid(process_id, "ProzessID")
    objs = list(objects)
    if not objs:
        raise XdomeaError("Anbieteverzeichnis ohne Schriftgutobjekte")
    root = etree.Element(_X + "Aussonderung.Anbieteverzeichnis.0501", nsmap=_NSMAP)
    _kopf(root, process_id, "0501", created, sender=sender, recipient=recipient)
    _objects(root, objs, with_files=False)
    return _serialise(root)


def build_0503(
    process_id: str,
    sender: Agency,
    recipient: Agency,
    objects: Iterable[OfferObject],
    *,
    files: Mapping[str, bytes],
    created: datetime,
) -> tuple[str, bytes]:
    """Aussonderung (transfer): message + primary files zipped.

    ``files`` maps each document id to its content. Returns ``(zip file name, zip bytes)``; the name is
    ``<process-uuid>_Aussonderung.Aussonderung.0503.zip``.
    """
    process_id = _check_uuid(process_id, "ProzessID")
    objs = list(objects)
    if not objs:
        raise XdomeaError("Aussonderung ohne Schriftgutobjekte")
    docs = [d for o in objs for d in o.all_documents()]
    missing = [d.id for d in docs if d.id not in files]
    if missing:
        raise XdomeaError(f"Primärdokumente fehlen für: {', '.join(missing)}")
    root = etree.Element(_X + "Aussonderung.Aussonderung.0503", nsmap=_NSMAP)
    _kopf(root, process_id, "0503", created, sender=sender, recipient=recipient, transfer=True)
    _objects(root, objs, with_files=True)
    name = container_name(process_id, "Aussonderung", "0503")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{name}.xml", _serialise(root))
        for doc in docs:
            zf.writestr(primary_filename(doc), files[doc.id])
    return f"{name}.zip", buf.getvalue()


# ---------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class Appraisal:
    """0502 Bewertungsverzeichnis: the archive's decision per offered object."""

    process_id: str
    decisions: Mapping[str, AppraisalCode]


@dataclass(frozen=True, slots=True)
class ImportResult:
    object_id: str
    success: bool
    messages: tuple[str, ...] = ()
    archive_id: str | None = None


@dataclass(frozen=True, slots=True)
class ImportConfirmation:
    """0506 AussonderungImportBestaetigen: per object success or failure of the archive's import."""

    process_id: str
    results: Mapping[str, ImportResult]


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """0504 / 0505 / 0507 receipts."""

    process_id: str
    code: str


def _local(el: etree._Element) -> str:
    return str(etree.QName(el).localname)


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and _local(c) == name]


def _child(el: etree._Element, name: str, what: str) -> etree._Element:
    found = _children(el, name)
    if not found:
        raise XdomeaError(f"{what}: Element {name} fehlt")
    return found[0]


def _text(el: etree._Element, name: str, what: str) -> str:
    return (_child(el, name, what).text or "").strip()


def _process_id(root: etree._Element) -> str:
    kopf = _child(root, "Kopf", _local(root))
    return _check_uuid(_text(kopf, "ProzessID", "Kopf"), "ProzessID")


def _boolean(value: str, what: str) -> bool:
    v = value.strip().lower()
    if v in ("1", "true"):
        return True
    if v in ("0", "false"):
        return False
    raise XdomeaError(f"{what}: kein Wahrheitswert: {value!r}")


def parse_message(data: bytes) -> Appraisal | ImportConfirmation | Acknowledgement:
    """Parse an incoming xdomea Aussonderung message (XML bytes) with the hardened parser."""
    root = parse_xml(data)
    qname = etree.QName(root)
    if not (qname.namespace or "").startswith(_NS_PREFIX):
        raise XdomeaError(f"keine xdomea-Nachricht (Namensraum {qname.namespace!r})")
    name = qname.localname
    process_id = _process_id(root)
    if name == "Aussonderung.Bewertungsverzeichnis.0502":
        decisions: dict[str, AppraisalCode] = {}
        for obj in _children(root, "BewertetesObjekt"):
            oid = _check_uuid(_text(obj, "ID", "BewertetesObjekt"), "BewertetesObjekt/ID")
            outer = _child(obj, "Aussonderungsart", "BewertetesObjekt")
            inner = _children(outer, "Aussonderungsart")
            code_el = _children(inner[0] if inner else outer, "code")
            code = (code_el[0].text or "").strip() if code_el else ""
            try:
                decisions[oid] = AppraisalCode(code)
            except ValueError:
                raise XdomeaError(f"unbekannte Aussonderungsart {code!r} für {oid}") from None
        if not decisions:
            raise XdomeaError("Bewertungsverzeichnis ohne bewertete Objekte")
        return Appraisal(process_id, decisions)
    if name == "Aussonderung.AussonderungImportBestaetigen.0506":
        results: dict[str, ImportResult] = {}
        for sgo in _children(root, "AusgesondertesSGO"):
            oid = _check_uuid(_text(sgo, "IDSGO", "AusgesondertesSGO"), "IDSGO")
            ok = _boolean(_text(sgo, "Erfolgreich", "AusgesondertesSGO"), "Erfolgreich")
            msgs = tuple((m.text or "").strip() for m in _children(sgo, "Fehlermeldung"))
            arch = _children(sgo, "Archivkennung")
            results[oid] = ImportResult(oid, ok, msgs, (arch[0].text or "").strip() if arch else None)
        if not results:
            raise XdomeaError("Importbestätigung ohne Schriftgutobjekte")
        return ImportConfirmation(process_id, results)
    for code in ("0504", "0505", "0507"):
        if name.startswith("Aussonderung.") and name.endswith("." + code):
            return Acknowledgement(process_id, code)
    raise XdomeaError(f"nicht unterstützte xdomea-Nachricht: {name}")


def read_container(data: bytes) -> Appraisal | ImportConfirmation | Acknowledgement:
    """Read a message given either as XML or as a ``<uuid>_Aussonderung.<Name>.<code>.zip`` container."""
    if not data.startswith(b"PK"):
        return parse_message(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise XdomeaError(f"ZIP-Container unlesbar: {exc}") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise XdomeaError("ZIP-Container hat zu viele Einträge")
        messages = [
            i
            for i in infos
            if re.fullmatch(r"[0-9a-fA-F-]{36}_Aussonderung\.[A-Za-z]+\.05\d\d\.xml", i.filename)
        ]
        if len(messages) != 1:
            raise XdomeaError("ZIP-Container muss genau eine xdomea-Nachricht enthalten")
        info = messages[0]
        if info.file_size > MAX_ZIP_XML_BYTES:
            raise XdomeaError("xdomea-Nachricht im Container ist zu groß")
        with zf.open(info) as fh:
            raw = fh.read(MAX_ZIP_XML_BYTES + 1)
        if len(raw) > MAX_ZIP_XML_BYTES:
            raise XdomeaError("xdomea-Nachricht im Container ist zu groß")
    return parse_message(raw)


# ---------------------------------------------------------------- process


class ProcessState(StrEnum):
    OFFERED = "offered"  #: 0501 sent
    APPRAISED = "appraised"  #: 0502 received
    TRANSFERRED = "transferred"  #: 0503 sent
    CONFIRMED = "confirmed"  #: 0506 received (or nothing to transfer)


@dataclass(slots=True)
class AussonderungProcess:
    """Tracks one Aussonderung and decides what may be destroyed locally — only after the archive answered.

    * V objects: after the 0506 import confirmation of the transfer, or right after the 0502 appraisal when
      nothing is to be transferred.
    * A/B objects: only when the 0506 reports their import as successful.
    * Objects the archive did not appraise are never destroyed.
    """

    process_id: str
    offered: tuple[str, ...]
    state: ProcessState = ProcessState.OFFERED
    decisions: dict[str, AppraisalCode] = field(default_factory=dict)
    imported: dict[str, bool] = field(default_factory=dict)
    archive_ids: dict[str, str] = field(default_factory=dict)
    receipts: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, offered: Iterable[str], process_id: str | None = None) -> AussonderungProcess:
        pid = _check_uuid(process_id or str(uuid.uuid4()), "ProzessID")
        ids = tuple(_check_uuid(o, "Schriftgutobjekt-ID") for o in offered)
        if not ids:
            raise XdomeaError("Aussonderung ohne Schriftgutobjekte")
        return cls(pid, ids)

    def _same_process(self, pid: str) -> None:
        if pid != self.process_id:
            raise XdomeaError(f"Nachricht gehört zu Prozess {pid}, nicht zu {self.process_id}")

    def receive(self, message: Appraisal | ImportConfirmation | Acknowledgement) -> None:
        self._same_process(message.process_id)
        if isinstance(message, Acknowledgement):
            self.receipts.append(message.code)
            return
        if isinstance(message, Appraisal):
            if self.state is not ProcessState.OFFERED:
                raise XdomeaError(f"Bewertung im Zustand {self.state.value} unerwartet")
            unknown = set(message.decisions) - set(self.offered)
            if unknown:
                raise XdomeaError(f"Bewertung für nicht angebotene Objekte: {', '.join(sorted(unknown))}")
            self.decisions = dict(message.decisions)
            self.state = ProcessState.CONFIRMED if not self.to_transfer() else ProcessState.APPRAISED
            return
        if self.state is not ProcessState.TRANSFERRED:
            raise XdomeaError(
                f"Importbestätigung im Zustand {self.state.value} unerwartet (0503 noch nicht gesendet)"
            )
        unknown = set(message.results) - set(self.to_transfer())
        if unknown:
            raise XdomeaError(f"Importbestätigung für nicht übergebene Objekte: {', '.join(sorted(unknown))}")
        for oid, res in message.results.items():
            self.imported[oid] = res.success
            if res.archive_id:
                self.archive_ids[oid] = res.archive_id
        self.state = ProcessState.CONFIRMED

    def to_transfer(self) -> list[str]:
        """Objects to send with 0503 (A and B)."""
        return [
            o for o in self.offered if self.decisions.get(o) in (AppraisalCode.ARCHIVE, AppraisalCode.SAMPLE)
        ]

    def mark_transferred(self) -> None:
        if self.state is not ProcessState.APPRAISED:
            raise XdomeaError(f"Übergabe im Zustand {self.state.value} nicht möglich")
        self.state = ProcessState.TRANSFERRED

    def destroyable(self) -> list[str]:
        """Object ids that may now be destroyed locally."""
        if self.state is not ProcessState.CONFIRMED:
            return []
        out = []
        for oid in self.offered:
            code = self.decisions.get(oid)
            if code is AppraisalCode.DESTROY or (code is not None and self.imported.get(oid) is True):
                out.append(oid)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "process_id": self.process_id,
            "offered": list(self.offered),
            "state": self.state.value,
            "decisions": {k: v.value for k, v in self.decisions.items()},
            "imported": dict(self.imported),
            "archive_ids": dict(self.archive_ids),
            "receipts": list(self.receipts),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AussonderungProcess:
        return cls(
            process_id=str(data["process_id"]),
            offered=tuple(data["offered"]),
            state=ProcessState(data["state"]),
            decisions={k: AppraisalCode(v) for k, v in data.get("decisions", {}).items()},
            imported={k: bool(v) for k, v in data.get("imported", {}).items()},
            archive_ids=dict(data.get("archive_ids", {})),
            receipts=list(data.get("receipts", [])),
        )
