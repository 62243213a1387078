"""Deletion certificate (Löschprotokoll) of a completed disposal request, as JSON and as PDF."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from retention.disposal import DisposalRequest, ItemState, RequestState
from retention.errors import DisposalStateError

CERTIFICATE_VERSION = 1


def certificate(request: DisposalRequest, issued_at: datetime, issuer: str = "Aktenwerk") -> dict[str, Any]:
    """The Löschprotokoll as a JSON-ready dict; ``digest`` is the SHA-256 of the canonical JSON body."""
    if request.state is not RequestState.COMPLETED:
        raise DisposalStateError(
            f"Löschprotokoll erst nach Abschluss (Antrag {request.id} ist {request.state.value})"
        )
    items = [
        {
            "record_id": i.record_id,
            "title": i.title,
            "sha256": i.sha256,
            "class_id": i.class_id,
            "document_date": i.document_date.isoformat() if i.document_date else None,
            "keep_until": i.keep_until.isoformat() if i.keep_until else None,
            "state": "destroyed" if i.state is ItemState.DONE else "not_destroyed",
            "destroyed_at": i.completed_at.isoformat()
            if i.state is ItemState.DONE and i.completed_at
            else None,
            "note": i.detail,
        }
        for i in request.items
    ]
    body: dict[str, Any] = {
        "type": "Löschprotokoll",
        "version": CERTIFICATE_VERSION,
        "issuer": issuer,
        "request_id": request.id,
        "note": request.note,
        "opened_by": request.opened_by.to_dict(),
        "opened_at": request.opened_at.isoformat(),
        "approved_by": request.approved_by.to_dict() if request.approved_by else None,
        "approved_at": request.approved_at.isoformat() if request.approved_at else None,
        "executed_at": request.completed_at.isoformat() if request.completed_at else None,
        "issued_at": issued_at.isoformat(),
        "summary": {
            "destroyed": sum(1 for i in items if i["state"] == "destroyed"),
            "not_destroyed": sum(1 for i in items if i["state"] != "destroyed"),
        },
        "items": items,
    }
    body["digest"] = canonical_digest(body)
    return body


def canonical_digest(body: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON (sorted keys, no whitespace) of ``body`` without its ``digest``."""
    payload = {k: v for k, v in body.items() if k != "digest"}
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


def verify(body: dict[str, Any]) -> bool:
    """True if the certificate's ``digest`` matches its content."""
    return body.get("digest") == canonical_digest(body)


def certificate_pdf(body: dict[str, Any]) -> bytes:
    """Render a certificate dict (from :func:`certificate`) as an A4 landscape PDF."""
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=8.5)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"Löschprotokoll {body['request_id']}",
        author=str(body.get("issuer", "")),
    )

    def esc(value: Any) -> str:
        return (
            (str(value) if value is not None else "–")
            .replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
        )

    def person(p: dict[str, Any] | None) -> str:
        return f"{p.get('name') or p.get('id')} ({p.get('id')})" if p else "–"

    story: list[Any] = [
        Paragraph(f"Löschprotokoll – Aussonderungsantrag {esc(body['request_id'])}", styles["Title"]),
        Paragraph(
            f"Beantragt von {esc(person(body['opened_by']))} am {esc(body['opened_at'])}; "
            f"genehmigt von {esc(person(body['approved_by']))} am {esc(body['approved_at'])}; "
            f"ausgeführt am {esc(body['executed_at'])}; ausgestellt am {esc(body['issued_at'])}.",
            styles["BodyText"],
        ),
        Paragraph(
            f"Vernichtet: {body['summary']['destroyed']}, nicht vernichtet: {body['summary']['not_destroyed']}. "
            f"Prüfsumme des Protokolls (SHA-256): {esc(body['digest'])}",
            styles["BodyText"],
        ),
        Spacer(1, 4 * mm),
    ]
    header = [
        "Dokument",
        "Titel",
        "SHA-256",
        "Klasse",
        "Datum",
        "Aufbewahrung bis",
        "Status",
        "vernichtet am",
    ]
    rows: list[list[Any]] = [header]
    for item in body["items"]:
        rows.append(
            [
                Paragraph(esc(item["record_id"]), small),
                Paragraph(esc(item["title"]), small),
                Paragraph(esc(item["sha256"]), small),
                Paragraph(esc(item["class_id"]), small),
                esc(item["document_date"]),
                esc(item["keep_until"]),
                Paragraph(
                    esc(
                        "vernichtet" if item["state"] == "destroyed" else f"nicht vernichtet: {item['note']}"
                    ),
                    small,
                ),
                Paragraph(esc(item["destroyed_at"]), small),
            ]
        )
    table = Table(
        rows, repeatRows=1, colWidths=[38 * mm, 40 * mm, 62 * mm, 26 * mm, 20 * mm, 22 * mm, 35 * mm, 30 * mm]
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 7),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    doc.build(story)
    return buf.getvalue()
