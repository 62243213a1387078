"""Deterministic synthetic German municipal corpus (benchmarks and engine-equivalence tests).

Documents look like what a Kommune files: invoices, notices, building applications, minutes… with
departments (Organisationseinheiten), Aktenzeichen from a small file plan, correspondents, tags, dates
2019–2026 and ACL tokens. ``generate(n, seed)`` always yields the same documents for the same arguments.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from search.model import SearchDoc

DEPARTMENTS = {
    "10": "Hauptamt",
    "20": "Kämmerei",
    "32": "Ordnungsamt",
    "50": "Sozialamt",
    "51": "Jugendamt",
    "63": "Bauordnungsamt",
    "66": "Tiefbauamt",
}
TYPES = {
    "10": ["Vermerk", "Protokoll", "Vertrag", "Schreiben"],
    "20": ["Rechnung", "Mahnung", "Bescheid", "Vertrag"],
    "32": ["Bescheid", "Antrag", "Anhörung", "Widerspruch"],
    "50": ["Antrag", "Bescheid", "Widerspruch", "Schreiben"],
    "51": ["Antrag", "Bescheid", "Vermerk", "Schreiben"],
    "63": ["Bauantrag", "Bescheid", "Schreiben", "Stellungnahme"],
    "66": ["Rechnung", "Ausschreibung", "Vertrag", "Vermerk"],
}
TOPICS = {
    "10": ["Personalangelegenheit", "Dienstanweisung", "Ratssitzung", "Haushaltsplanung", "Datenschutz"],
    "20": ["Stromlieferung", "Gewerbesteuer", "Grundsteuer", "Abwassergebühren", "Straßenreinigung"],
    "32": ["Hundesteuer", "Gewerbeanmeldung", "Sondernutzung", "Lärmschutz", "Fundsache"],
    "50": ["Wohngeld", "Grundsicherung", "Unterkunftskosten", "Eingliederungshilfe", "Pflegegeld"],
    "51": ["Kindergartenbeitrag", "Elterngeld", "Jugendhilfe", "Kitaplatz", "Unterhaltsvorschuss"],
    "63": ["Baugenehmigung", "Bauvoranfrage", "Nutzungsänderung", "Abbruchgenehmigung", "Baulast"],
    "66": ["Kanalsanierung", "Straßenausbau", "Brückenprüfung", "Winterdienst", "Radwegebau"],
}
FIRST = ["Anna", "Peter", "Maria", "Thomas", "Sabine", "Michael", "Julia", "Stefan", "Claudia", "Jürgen"]
LAST = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
]  # fmt: skip
COMPANIES = [
    "Stadtwerke Musterstadt GmbH", "Tiefbau Krüger KG", "Reinigungsdienst Özdemir", "Ingenieurbüro Lange",
    "Bäckerei Schulz", "Elektro Hahn GmbH", "Gartenbau Grün & Söhne", "Kanaltechnik West AG",
]  # fmt: skip
STREETS = [
    "Hauptstraße",
    "Bahnhofstraße",
    "Gartenweg",
    "Marktplatz",
    "Schulstraße",
    "Kirchgasse",
    "Am Rathaus",
]
SENTENCES = [
    "Sehr geehrte Damen und Herren, wir nehmen Bezug auf Ihr Schreiben vom {d}.",
    "Die Angelegenheit {topic} wird unter dem Aktenzeichen {akte} geführt.",
    "Der Antrag wurde am {d} vollständig eingereicht und wird derzeit geprüft.",
    "Gemäß der Satzung der Stadt ist eine Gebühr in Höhe von {amount} Euro zu entrichten.",
    "Bitte überweisen Sie den Betrag innerhalb von 30 Tagen auf das Konto der Stadtkasse.",
    "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch erhoben werden.",
    "Die erforderlichen Unterlagen wie Lageplan, Bauzeichnungen und Baubeschreibung liegen vor.",
    "Das Grundstück {street} {no} liegt im Geltungsbereich des Bebauungsplans Nr. {no}.",
    "Die Prüfung durch das {dept_name} hat keine Bedenken ergeben.",
    "Für Rückfragen steht Ihnen {person} unter der Durchwahl {no} zur Verfügung.",
    "Die Rechnung Nr. {inv} über {amount} Euro wurde sachlich und rechnerisch geprüft.",
    "Der Leistungszeitraum umfasst den Monat {month} {year}.",
    "In der Sitzung des Ausschusses wurde die Vorlage {topic} beraten und beschlossen.",
    "Die Frist zur Stellungnahme endet am {d}; eine Verlängerung ist nicht vorgesehen.",
    "Nach Abschluss der Bearbeitung wird die Akte zu den Akten genommen.",
    "Die Zahlung erfolgt nach Eingang der prüffähigen Schlussrechnung.",
    "Im Rahmen der Anhörung erhalten Sie Gelegenheit, sich zu den Tatsachen zu äußern.",
    "Die Kosten des Verfahrens trägt der Antragsteller.",
    "Eine Kopie dieses Schreibens erhält das {dept_name} zur Kenntnis.",
    "Wir bitten um Übersendung der fehlenden Nachweise bis spätestens {d}.",
    "Die Baustelle in der {street} wird ab dem {d} eingerichtet; mit Verkehrsbehinderungen ist zu rechnen.",
    "Der Zuschuss für {topic} wird in Höhe von {amount} Euro bewilligt.",
    "Die Unterlagen zur {topic} wurden an das Rechnungsprüfungsamt weitergeleitet.",
    "Mit freundlichen Grüßen, im Auftrag {person}.",
]
MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"]  # fmt: skip
EPOCH = date(2019, 1, 1)
AVG_SENTENCE = 80  # characters per pooled sentence (tuned for ~2 KB documents)
SPAN_DAYS = (date(2026, 10, 31) - EPOCH).days


def _sentence_pool(rng: random.Random, size: int) -> list[str]:
    """Sentences with their random details filled in; per-document slots stay as ``{topic}`` etc."""
    pool: list[str] = []
    for _ in range(size):
        template = rng.choice(SENTENCES)
        values = {
            "d": (EPOCH + timedelta(days=rng.randrange(SPAN_DAYS))).strftime("%d.%m.%Y"),
            "no": str(rng.randrange(1, 400)),
            "amount": f"{rng.randrange(20, 90_000)},{rng.randrange(100):02d}",
            "inv": f"{rng.randrange(2019, 2027)}-{rng.randrange(100_000):05d}",
            "month": rng.choice(MONTHS),
            "street": rng.choice(STREETS),
            "topic": "{topic}",
            "akte": "{akte}",
            "dept_name": "{dept_name}",
            "person": "{person}",
            "year": "{year}",
        }
        pool.append(template.format(**values))
    return pool


def generate(n: int, seed: int = 42, *, target_chars: int = 2000, start: int = 0) -> Iterator[SearchDoc]:
    """``n`` documents of roughly ``target_chars`` characters, ids ``doc-<start>…``."""
    rng = random.Random(seed * 1_000_003 + start)  # noqa: S311 - test data, not security
    depts = list(DEPARTMENTS)
    pool = _sentence_pool(random.Random(seed), 20_000)  # noqa: S311 - test data, not security
    for i in range(start, start + n):
        dept = rng.choice(depts)
        doc_type = rng.choice(TYPES[dept])
        topic = rng.choice(TOPICS[dept])
        day = EPOCH + timedelta(days=rng.randrange(SPAN_DAYS))
        if rng.random() < 0.6:
            correspondent = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        else:
            correspondent = rng.choice(COMPANIES)
        plan = f"{dept}.{rng.randrange(1, 6):02d}.{rng.randrange(1, 10):02d}"
        akte = f"{plan}-{day.year}/{rng.randrange(1, 40):04d}"  # ~100k Akten, ~10 documents each at 1M
        person = f"Frau {rng.choice(LAST)}" if rng.random() < 0.5 else f"Herr {rng.choice(LAST)}"
        ctx = {
            "topic": topic,
            "akte": akte,
            "dept_name": DEPARTMENTS[dept],
            "person": person,
            "year": str(day.year),
        }
        head = f"{doc_type} {topic} – {correspondent}."
        body = " ".join(rng.choices(pool, k=max(1, (target_chars - len(head)) // AVG_SENTENCE + 1)))
        content = f"{head} {body.format(**ctx)}"
        acl = [f"dept:{dept}"]
        if rng.random() < 0.05:
            acl.append(f"user:{rng.randrange(1, 200)}")
        if rng.random() < 0.02:
            acl.append("group:ausschuss")
        tags = rng.sample(
            ["dringend", "Frist", "Bau", "Finanzen", "Soziales", "Verkehr", "Umwelt"], k=rng.randrange(0, 3)
        )
        yield SearchDoc(
            id=f"doc-{i}",
            title=f"{doc_type} {topic} {correspondent}",
            content=content,
            created=datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)
            + timedelta(days=rng.randrange(0, 5)),
            document_type=doc_type,
            department=dept,
            correspondent=correspondent,
            tags=tags,
            document_date=day if rng.random() < 0.9 else None,
            akte=akte,
            asn=f"ASN-{i:08d}",
            acl=acl,
        )
