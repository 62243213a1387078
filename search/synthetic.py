"""Deterministic synthetic German municipal corpus (benchmarks and engine-equivalence tests).

Documents look like what a Kommune files: invoices, notices, building applications, minutes… Each
department (Organisationseinheit) writes about its own topics with its own vocabulary, letters share
boilerplate, and every document carries a long tail of rare words (names, streets, compound nouns built
from the decompounding dictionary, numbers), so common words match a realistic share of documents rather
than all of them. Aktenzeichen come from a small file plan (~10 documents per Akte at 1M documents).
``generate(n, seed)`` always yields the same documents for the same arguments.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from importlib import resources

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
FIRST = [
    "Anna", "Peter", "Maria", "Thomas", "Sabine", "Michael", "Julia", "Stefan", "Claudia", "Jürgen",
    "Ayşe", "Mehmet", "Olga", "Luca", "Fatma", "Jan", "Lena", "Paul", "Emma", "Noah",
]  # fmt: skip
LAST = [
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
    "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause", "Meier",
    "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber",
    "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert",
    "Yılmaz", "Kaya", "Demir", "Nowak", "Kowalski", "Popescu", "Rossi", "Ivanova", "Jovanović", "Öztürk",
]  # fmt: skip
COMPANIES = [
    "Stadtwerke Musterstadt GmbH", "Tiefbau Krüger KG", "Reinigungsdienst Özdemir", "Ingenieurbüro Lange",
    "Bäckerei Schulz", "Elektro Hahn GmbH", "Gartenbau Grün & Söhne", "Kanaltechnik West AG",
    "Architekturbüro Nowak", "Sanitär Fuchs GmbH", "Malerbetrieb König", "Druckerei Lehmann",
]  # fmt: skip
STREETS = [
    "Hauptstraße", "Bahnhofstraße", "Gartenweg", "Marktplatz", "Schulstraße", "Kirchgasse", "Am Rathaus",
    "Lindenallee", "Bergstraße", "Mühlenweg", "Rosenstraße", "Goethestraße", "Schillerplatz", "Am Hang",
    "Industriestraße", "Feldweg", "Waldstraße", "Friedhofstraße", "Am Sportplatz", "Poststraße",
]  # fmt: skip
GENERAL = [
    "Sehr geehrte Damen und Herren, wir nehmen Bezug auf Ihr Schreiben vom {d}.",
    "Die Angelegenheit {topic} wird unter dem Aktenzeichen {akte} geführt.",
    "Für Rückfragen steht Ihnen {person} unter der Durchwahl {no} zur Verfügung.",
    "Die Frist zur Stellungnahme endet am {d}; eine Verlängerung ist nicht vorgesehen.",
    "Nach Abschluss der Bearbeitung wird die Akte zu den Akten genommen.",
    "Eine Kopie dieses Schreibens erhält das {dept_name} zur Kenntnis.",
    "Wir bitten um Übersendung der fehlenden Nachweise bis spätestens {d}.",
    "Mit freundlichen Grüßen, im Auftrag {person}.",
    "Im Rahmen der Anhörung erhalten Sie Gelegenheit, sich bis zum {d} zu äußern.",
    "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch erhoben werden.",
    "Der Vorgang wurde am {d} an {person} zur weiteren Bearbeitung abgegeben.",
    "Bitte geben Sie bei Antworten stets das Aktenzeichen {akte} an.",
    "Das Anliegen von {citizen} aus der {street} {no} wurde geprüft.",
    "Die Unterlagen zur {topic} wurden vollständig eingereicht.",
]
DEPARTMENT_SENTENCES = {
    "10": [
        "Die Dienstanweisung über die Arbeitszeit tritt am {d} in Kraft.",
        "Die Stellenausschreibung für die Sachbearbeitung im {dept_name} endet am {d}.",
        "In der Ratssitzung vom {d} wurde die Beschlussvorlage Nr. {no} beraten.",
        "Die Tagesordnung der Sitzung des Haupt- und Finanzausschusses liegt bei.",
        "Die Datenschutzbeauftragte hat das Verzeichnis der Verarbeitungstätigkeiten geprüft.",
        "Der Personalrat wurde gemäß Landespersonalvertretungsgesetz beteiligt.",
        "Die Niederschrift der Sitzung wurde von der Schriftführerin {person} gefertigt.",
    ],
    "20": [
        "Die Rechnung Nr. {inv} über {amount} Euro wurde sachlich und rechnerisch geprüft.",
        "Bitte überweisen Sie den Betrag innerhalb von 30 Tagen auf das Konto der Stadtkasse.",
        "Die Zahlung ist auf der Haushaltsstelle {no}.{no} zu buchen.",
        "Trotz Mahnung vom {d} ist die Forderung über {amount} Euro noch offen.",
        "Bei Zahlung innerhalb von 14 Tagen gewähren wir 2 Prozent Skonto.",
        "Die Vollstreckung wird eingeleitet, wenn der Betrag nicht bis zum {d} eingeht.",
        "Der Leistungszeitraum umfasst den Monat {month} {year}.",
        "Der Steuermessbetrag wurde vom Finanzamt mit {amount} Euro festgesetzt.",
    ],
    "32": [
        "Für die Haltung eines Hundes wird die Hundesteuer für das Jahr {year} festgesetzt.",
        "Die Gewerbeanmeldung für den Betrieb in der {street} {no} ist eingegangen.",
        "Die Sondernutzungserlaubnis für den Gehweg wird befristet bis {d} erteilt.",
        "Wegen Ruhestörung wurde ein Bußgeldverfahren eingeleitet.",
        "Die Fundsache wurde am {d} im Bürgerbüro abgegeben.",
        "Die Veranstaltung auf dem Marktplatz ist anzeigepflichtig.",
        "Die Lärmmessung ergab einen Beurteilungspegel von {no} Dezibel.",
    ],
    "50": [
        "Der Antrag auf Wohngeld wurde mit Einkommensnachweisen vorgelegt.",
        "Die Leistungen der Grundsicherung werden ab dem {d} bewilligt.",
        "Die Kosten der Unterkunft werden in angemessener Höhe übernommen.",
        "Bitte legen Sie den aktuellen Mietvertrag und die Nebenkostenabrechnung vor.",
        "Die Bedarfsgemeinschaft besteht aus {no} Personen.",
        "Der Leistungsbescheid ergeht vorbehaltlich der Prüfung des Vermögens.",
        "Die Eingliederungshilfe wird im Rahmen des Gesamtplanverfahrens gewährt.",
    ],
    "51": [
        "Der Kitaplatz in der Kindertagesstätte {street} wird ab {d} zugesagt.",
        "Der Elternbeitrag richtet sich nach dem Jahreseinkommen der Eltern.",
        "Der Hilfeplan wird im Hilfeplangespräch am {d} fortgeschrieben.",
        "Die Beistandschaft für das Kind wurde auf Antrag eingerichtet.",
        "Der Unterhaltsvorschuss wird für {no} Monate gezahlt.",
        "Die Kindergartenbeiträge für das Kindergartenjahr {year} werden erhoben.",
        "Das Jugendamt hat die Inobhutnahme geprüft.",
    ],
    "63": [
        "Die erforderlichen Bauvorlagen wie Lageplan, Bauzeichnungen und Baubeschreibung liegen vor.",
        "Das Grundstück {street} {no} liegt im Geltungsbereich des Bebauungsplans Nr. {no}.",
        "Die Abstandsflächen nach der Landesbauordnung sind eingehalten.",
        "Der Standsicherheitsnachweis (Statik) ist durch einen Prüfingenieur zu prüfen.",
        "Die Nachbarn wurden im Rahmen der Nachbarbeteiligung angehört.",
        "Die Baugenehmigung wird unter Auflagen erteilt.",
        "Für den Bauantrag ist das amtliche Bauantragsformular zu verwenden.",
        "Die Baulast wurde in das Baulastenverzeichnis eingetragen.",
    ],
    "66": [
        "Die Kanalsanierung in der {street} beginnt am {d}.",
        "Die Ausschreibung der Straßenbauarbeiten erfolgt öffentlich nach VOB.",
        "Die Vergabe an den wirtschaftlichsten Bieter wird empfohlen.",
        "Die Schlussrechnung über {amount} Euro wurde geprüft und freigegeben.",
        "Die Baustelle in der {street} wird ab dem {d} eingerichtet; mit Verkehrsbehinderungen ist zu rechnen.",
        "Die Verkehrssicherung obliegt dem ausführenden Unternehmen.",
        "Der Bauzeitenplan sieht eine Fertigstellung im {month} {year} vor.",
        "Die Brückenprüfung nach DIN 1076 ergab die Zustandsnote {no}.",
    ],
}
MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"]  # fmt: skip
TAGS = [
    "dringend",
    "Frist",
    "Bau",
    "Finanzen",
    "Soziales",
    "Verkehr",
    "Umwelt",
    "Wiedervorlage",
    "Akteneinsicht",
]
EPOCH = date(2019, 1, 1)
SPAN_DAYS = (date(2026, 10, 31) - EPOCH).days
AVG_SENTENCE = 78  # characters per pooled sentence incl. the joining space (tuned for ~2 KB documents)
POOL_PER_GROUP = 3_000
RARE_PER_DOC = 6


def _parts() -> list[str]:
    raw = resources.files("search.data").joinpath("compound_parts_de.txt").read_text(encoding="utf-8")
    words = [
        w.strip() for w in raw.splitlines() if w.strip() and not w.startswith("#") and len(w.strip()) >= 4
    ]
    return sorted(set(words))


def _fill(rng: random.Random, template: str) -> str:
    """Fill the per-sentence slots; per-document slots stay as ``{topic}``, ``{akte}``… placeholders."""
    return template.format(
        d=(EPOCH + timedelta(days=rng.randrange(SPAN_DAYS))).strftime("%d.%m.%Y"),
        no=str(rng.randrange(1, 400)),
        amount=f"{rng.randrange(20, 90_000)},{rng.randrange(100):02d}",
        inv=f"{rng.randrange(2019, 2027)}-{rng.randrange(100_000):05d}",
        month=rng.choice(MONTHS),
        street=rng.choice(STREETS),
        citizen=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        topic="{topic}",
        akte="{akte}",
        dept_name="{dept_name}",
        person="{person}",
        year="{year}",
    )


def _pools(seed: int) -> tuple[list[str], dict[str, list[str]]]:
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    general = [_fill(rng, rng.choice(GENERAL)) for _ in range(POOL_PER_GROUP)]
    per_dept = {
        d: [_fill(rng, rng.choice(s)) for _ in range(POOL_PER_GROUP)] for d, s in DEPARTMENT_SENTENCES.items()
    }
    return general, per_dept


def generate(n: int, seed: int = 42, *, target_chars: int = 2000, start: int = 0) -> Iterator[SearchDoc]:
    """``n`` documents of roughly ``target_chars`` characters, ids ``doc-<start>…``."""
    rng = random.Random(seed * 1_000_003 + start)  # noqa: S311 - test data, not security
    depts = list(DEPARTMENTS)
    general, per_dept = _pools(seed)
    parts = _parts()
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
        k = max(1, (target_chars - len(head)) // AVG_SENTENCE)
        own = round(k * 0.55)
        sentences = rng.choices(per_dept[dept], k=own) + rng.choices(general, k=k - own)
        rng.shuffle(sentences)
        # long tail: rare compounds (two dictionary parts), names and house numbers
        rare = [
            (rng.choice(parts) + rng.choice(parts)).capitalize()
            if j % 2 == 0
            else f"{rng.choice(LAST)} {rng.choice(STREETS)} {rng.randrange(1, 200)}"
            for j in range(RARE_PER_DOC)
        ]
        sentences.insert(rng.randrange(len(sentences) + 1), "Betrifft: " + ", ".join(rare) + ".")
        content = f"{head} {' '.join(sentences).format(**ctx)}"
        acl = [f"dept:{dept}"]
        if rng.random() < 0.05:
            acl.append(f"user:{rng.randrange(1, 200)}")
        if rng.random() < 0.02:
            acl.append("group:ausschuss")
        yield SearchDoc(
            id=f"doc-{i}",
            title=f"{doc_type} {topic} {correspondent}",
            content=content,
            created=datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)
            + timedelta(days=rng.randrange(0, 5)),
            document_type=doc_type,
            department=dept,
            correspondent=correspondent,
            tags=rng.sample(TAGS, k=rng.randrange(0, 3)),
            document_date=day if rng.random() < 0.9 else None,
            akte=akte,
            asn=f"ASN-{i:08d}",
            acl=acl,
        )
