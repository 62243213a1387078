"""A small German municipal corpus shared by the search contract tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from search.model import SearchDoc


def make_doc(doc_id: str, **overrides: Any) -> SearchDoc:
    values: dict[str, Any] = {
        "id": doc_id,
        "title": f"Dokument {doc_id}",
        "content": "",
        "created": datetime(2024, 1, 15, 9, 0, tzinfo=UTC),
        "acl": ["dept:63"],
    }
    values.update(overrides)
    return SearchDoc(**values)


def corpus() -> list[SearchDoc]:
    return [
        make_doc(
            "bau-1",
            title="Bauantrag Neubau Einfamilienhaus",
            content="Sehr geehrte Damen und Herren, anbei der Bauantrag für das Grundstück Hauptstraße 12. "
            "Das Bauantragsformular ist vollständig ausgefüllt. Mit freundlichen Grüßen, Familie Müller.",
            document_type="Bauantrag",
            department="63",
            correspondent="Familie Müller",
            tags=["Bau", "Neubau"],
            document_date=date(2024, 3, 4),
            akte="63.01.02-2024/0147",
            asn="ASN-0001",
            acl=["dept:63"],
        ),
        make_doc(
            "bau-2",
            title="Nachforderung Unterlagen",
            content="Für Ihre Bauanträge fehlen noch die Statik und der Lageplan. Bitte reichen Sie die "
            "Unterlagen innerhalb von vier Wochen nach. Bauordnungsamt der Stadt.",
            document_type="Schreiben",
            department="63",
            correspondent="Familie Müller",
            tags=["Bau"],
            document_date=date(2024, 4, 10),
            akte="63.01.02-2024/0147",
            asn="ASN-0002",
            acl=["dept:63"],
        ),
        make_doc(
            "bau-3",
            title="Baugenehmigung erteilt",
            content="Die Baugenehmigung für das Vorhaben in der Hauptstrasse 12 wird hiermit erteilt. "
            "Gebührenbescheid folgt gesondert.",
            document_type="Bescheid",
            department="63",
            correspondent="Familie Mueller",
            tags=["Bau", "Genehmigung"],
            document_date=date(2024, 6, 28),
            akte="63.01.02-2024/0147",
            asn="ASN-0003",
            acl=["dept:63"],
        ),
        make_doc(
            "fin-1",
            title="Rechnung Stromlieferung Rathaus",
            content="Rechnung Nr. 2025-0815 der Stadtwerke über die Stromlieferung für das Rathaus im "
            "Januar 2025. Zahlbar innerhalb von 30 Tagen ohne Abzug.",
            document_type="Rechnung",
            department="20",
            correspondent="Stadtwerke Musterstadt GmbH",
            tags=["Energie"],
            document_date=date(2025, 2, 1),
            akte="20.30.01-2025/0012",
            asn="ASN-0100",
            acl=["dept:20"],
        ),
        make_doc(
            "fin-2",
            title="Rechnung Straßenreinigung",
            content="Rechnung für die Straßenreinigung im Gewerbegebiet, Leistungszeitraum Januar 2025. "
            "Die Reinigungsgebühren sind mit der Vorauszahlung verrechnet.",
            document_type="Rechnung",
            department="20",
            correspondent="Reinigungsdienst Schulz",
            tags=["Reinigung"],
            document_date=date(2025, 2, 20),
            akte="20.30.01-2025/0013",
            asn="ASN-0101",
            acl=["dept:20"],
        ),
        make_doc(
            "fin-3",
            title="Mahnung offene Rechnung",
            content="Die Rechnung vom 1. Februar 2025 ist noch offen. Wir bitten um Zahlung bis zum "
            "15. März 2025. Sollten Sie bereits gezahlt haben, betrachten Sie dieses Schreiben als gegenstandslos.",
            document_type="Mahnung",
            department="20",
            correspondent="Stadtwerke Musterstadt GmbH",
            tags=["Energie", "Mahnwesen"],
            document_date=date(2025, 3, 3),
            akte="20.30.01-2025/0012",
            asn="ASN-0102",
            acl=["dept:20"],
        ),
        make_doc(
            "ord-1",
            title="Hundesteuerbescheid 2025",
            content="Für die Haltung eines Hundes wird die Hundesteuer für das Jahr 2025 festgesetzt. "
            "Halter: Herr Schmidt, Gartenweg 3.",
            document_type="Bescheid",
            department="32",
            correspondent="Herr Schmidt",
            tags=["Steuer"],
            document_date=date(2025, 1, 10),
            akte="32.10.05-2025/0003",
            asn="ASN-0200",
            acl=["dept:32", "user:7"],
        ),
        make_doc(
            "ord-2",
            title="Gewerbeanmeldung Bäckerei",
            content="Anmeldung eines Gewerbes: Bäckerei und Konditorei in der Marktstraße 5. "
            "Gewerbeanmeldung eingegangen am 2. Mai 2024.",
            document_type="Antrag",
            department="32",
            correspondent="Bäckerei Schulz",
            tags=["Gewerbe"],
            document_date=date(2024, 5, 2),
            akte="32.20.01-2024/0077",
            asn="ASN-0201",
            acl=["dept:32"],
        ),
        make_doc(
            "ord-3",
            title="Protokoll Sitzung Ordnungsausschuss",
            content="Protokoll der Sitzung des Ordnungsausschusses. Tagesordnung: Lärmschutz am Marktplatz, "
            "Sondernutzung für Außengastronomie, Verschiedenes.",
            document_type="Protokoll",
            department="32",
            correspondent="",
            tags=[],
            document_date=None,
            created=datetime(2023, 11, 20, 8, 0, tzinfo=UTC),
            akte=None,
            asn=None,
            acl=["group:ausschuss", "dept:32"],
        ),
        make_doc(
            "sec-1",
            title="Personalakte Vertraulich",
            content="Vertrauliche Beurteilung. Bauantrag privat, Müller, Gehaltsstufe und Beurteilungsnotizen.",
            document_type="Personal",
            department="10",
            correspondent="Personalamt",
            tags=["Vertraulich"],
            document_date=date(2024, 3, 5),
            akte="10.01.01-2024/0001",
            asn="ASN-0900",
            acl=["user:99"],
        ),
    ]


ALL = frozenset({"*"})
DEPT_63 = frozenset({"dept:63", "user:1"})
DEPT_20 = frozenset({"dept:20", "user:2"})
DEPT_32 = frozenset({"dept:32", "user:3"})
