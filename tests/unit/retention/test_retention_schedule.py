from datetime import date

import pytest

from retention import (
    DeletionBlocked,
    Hold,
    HoldIndex,
    HoldScope,
    RecordFacts,
    Status,
    assess,
    ensure_may_delete,
    may_delete,
    plan,
)
from retention.classes import EVENT_JAHRESABSCHLUSS
from retention.schedule import RetentionCalculator


def doc(rid: str = "d1", **kw: object) -> RecordFacts:
    return RecordFacts(rid, **kw)  # type: ignore[arg-type]


def test_belege_kept_until_end_of_year_plus_eight() -> None:
    f = doc(document_date=date(2026, 3, 1), explicit_classes=("ao147-belege",))
    a = assess(f, date(2026, 11, 26))
    assert a.status is Status.KEEP
    assert a.keep_until == date(2034, 12, 31)
    assert a.reason().startswith("Aufbewahrung bis 31.12.2034, weil ao147-belege")
    assert assess(f, date(2034, 12, 31)).status is Status.KEEP  # last day still kept
    due = assess(f, date(2035, 1, 1))
    assert due.status is Status.DUE
    assert due.disposable_from == date(2035, 1, 1)
    assert "vernichten" in due.reason()


def test_longest_of_several_wins_and_is_explained() -> None:
    f = doc(
        document_date=date(2026, 6, 30),
        node_classes=("ao147-briefe",),
        type_classes=("ao147-buecher",),
        explicit_classes=("ao147-belege",),
    )
    a = assess(f, date(2027, 1, 1))
    assert a.class_id == "ao147-buecher"
    assert a.keep_until == date(2036, 12, 31)
    reason = a.reason()
    assert "Vorgabe des Dokumenttyps" in reason
    assert (
        "Längste von 3" in reason
        and "ao147-briefe bis 31.12.2032" in reason
        and "ao147-belege bis 31.12.2034" in reason
    )


def test_missing_trigger_fact_is_not_determinable_never_due() -> None:
    f = doc(explicit_classes=("ao147-belege",))  # no document date
    a = assess(f, date(2100, 1, 1))
    assert a.status is Status.UNDETERMINED
    assert "Dokumentdatum" in a.reason()
    # a determinable candidate does not make it due while another one is undeterminable
    g = doc(document_date=date(2000, 1, 1), explicit_classes=("ao147-belege", "komhvo59-belege"))
    b = assess(g, date(2100, 1, 1))
    assert b.status is Status.UNDETERMINED
    assert EVENT_JAHRESABSCHLUSS in b.reason()
    assert not may_delete(g, [], date(2100, 1, 1)).allowed


def test_event_trigger_counts_from_first_january_after_adoption() -> None:
    f = doc(
        document_date=date(2024, 5, 1),
        explicit_classes=("komhvo59-belege",),
        events={EVENT_JAHRESABSCHLUSS: date(2026, 6, 15)},
    )
    a = assess(f, date(2027, 1, 1))
    # adopted 2026 → runs from 1.1.2027 for 6 years → kept until 31.12.2032
    assert a.keep_until == date(2032, 12, 31)
    assert assess(f, date(2033, 1, 1)).status is Status.DUE
    assert assess(f, date(2033, 1, 1)).action.value == "offer"  # type: ignore[union-attr]


def test_permanent_beats_everything() -> None:
    f = doc(document_date=date(1990, 1, 1), explicit_classes=("ao147-briefe", "komhvo59-jahresabschluss"))
    a = assess(f, date(2200, 1, 1))
    assert a.status is Status.PERMANENT
    assert a.reason().startswith("Dauernd aufzubewahren")


def test_closure_and_receipt_triggers() -> None:
    from retention import ClassRegistry

    reg = ClassRegistry.from_config(
        [
            {"id": "zda-5", "period": "5y", "trigger": "closure", "start": "end_of_year"},
            {"id": "eingang-6m", "period": "6m", "trigger": "receipt", "start": "exact"},
        ]
    )
    open_akte = doc(explicit_classes=("zda-5",))
    assert assess(open_akte, date(2090, 1, 1), reg).status is Status.UNDETERMINED
    closed = doc(closed=date(2026, 2, 1), explicit_classes=("zda-5",))
    assert assess(closed, date(2030, 1, 1), reg).keep_until == date(2031, 12, 31)
    r = doc(received=date(2026, 1, 15), explicit_classes=("eingang-6m",))
    assert assess(r, date(2026, 7, 1), reg).keep_until == date(2026, 7, 14)
    assert assess(r, date(2026, 7, 15), reg).status is Status.DUE


def test_unclassified_and_unknown_class() -> None:
    assert assess(doc(), date(2030, 1, 1)).status is Status.UNCLASSIFIED
    u = assess(doc(explicit_classes=("gibt-es-nicht",), document_date=date(2000, 1, 1)), date(2030, 1, 1))
    assert u.status is Status.UNDETERMINED and "gibt-es-nicht" in u.reason()
    assert not may_delete(doc(), [], date(2030, 1, 1)).allowed
    assert may_delete(doc(), [], date(2030, 1, 1), allow_unclassified=True).allowed


def test_ablaufhemmung_suspends() -> None:
    f = doc(document_date=date(2010, 1, 1), explicit_classes=("ao147-briefe",), ablaufhemmung=True)
    a = assess(f, date(2030, 1, 1))
    assert a.status is Status.SUSPENDED
    assert "Ablaufhemmung" in a.reason()
    assert not may_delete(f, [], date(2030, 1, 1)).allowed


@pytest.mark.parametrize("scope", [HoldScope.DOCUMENT, HoldScope.AKTE, HoldScope.QUERY])
def test_holds_block_on_every_scope(scope: HoldScope) -> None:
    f = doc("d9", document_date=date(2000, 1, 1), explicit_classes=("ao147-briefe",), akte_id="A-1")
    target = {HoldScope.DOCUMENT: "d9", HoldScope.AKTE: "A-1", HoldScope.QUERY: "korrespondent:Müller"}[scope]
    members = frozenset({"d9"}) if scope is HoldScope.QUERY else None
    hold = Hold(
        "h1",
        scope,
        target,
        "Rechtsstreit Az. 1 K 12/26",
        owner="Rechtsamt",
        review_date=date(2027, 1, 1),
        members=members,
    )
    d = may_delete(f, [hold], date(2030, 1, 1))
    assert not d.allowed
    assert d.status is Status.HELD
    assert "Rechtsstreit" in d.reason and "Ohne Sperre" in d.reason
    with pytest.raises(DeletionBlocked, match="Löschsperre h1"):
        ensure_may_delete(f, [hold], date(2030, 1, 1))
    assert may_delete(f, [], date(2030, 1, 1)).allowed
    other = Hold("h2", scope, "other", "x", members=frozenset({"zz"}) if scope is HoldScope.QUERY else None)
    assert may_delete(f, [other], date(2030, 1, 1)).allowed


def test_unresolved_query_hold_fails_closed() -> None:
    f = doc(document_date=date(2000, 1, 1), explicit_classes=("ao147-briefe",))
    hold = Hold("q", HoldScope.QUERY, "typ:Vertrag", "Prüfung Rechnungshof")
    assert not may_delete(f, [hold], date(2030, 1, 1)).allowed
    assert hold.review_overdue(date(2030, 1, 1)) is False


def test_plan_lists_due_and_blocked_with_counts() -> None:
    records = [
        doc("old", document_date=date(2010, 5, 1), explicit_classes=("ao147-belege",)),
        doc("new", document_date=date(2025, 5, 1), explicit_classes=("ao147-belege",)),
        doc("held", document_date=date(2010, 5, 1), explicit_classes=("ao147-belege",)),
        doc("none"),
        doc("nodate", explicit_classes=("ao147-belege",)),
    ]
    holds = HoldIndex([Hold("h", HoldScope.DOCUMENT, "held", "Prüfung")])
    p = plan(iter(records), None, holds, date(2026, 11, 26))
    assert [i.record_id for i in p.items] == ["old"]
    assert [i.record_id for i in p.blocked] == ["held"]
    assert p.counts == {"due": 1, "keep": 1, "held": 1, "unclassified": 1, "undetermined": 1}
    data = p.to_dict()
    assert data["total"] == 5 and data["due"] == 1 and data["by_action"] == {"destroy": 1}
    assert data["items"][0]["keep_until"] == "2018-12-31"
    assert data["items"][0]["reason"].startswith("Aufbewahrungsfrist endete am 31.12.2018")


def test_plan_looks_ahead_with_explicit_date() -> None:
    records = [
        doc(f"r{y}", document_date=date(y, 7, 1), explicit_classes=("ao147-briefe",))
        for y in range(2015, 2025)
    ]
    calc = RetentionCalculator()
    due_2030 = {i.record_id for i in plan(records, calc, [], date(2030, 1, 1)).items}
    assert due_2030 == {f"r{y}" for y in range(2015, 2024)}  # 2023 + 6 → until 31.12.2029
    assert len(plan(records, calc, [], date(2022, 1, 1)).items) == 1  # only r2015


def test_historic_classes_and_dates_still_count() -> None:
    f = doc(
        document_date=date(2010, 1, 1),
        explicit_classes=("ao147-briefe",),
        historic_classes=("ao147-belege",),
        historic_dates=(date(2026, 3, 1),),
    )
    a = assess(f, date(2030, 1, 1))
    assert a.status is Status.KEEP and a.keep_until == date(2034, 12, 31)
    assert "früher zugeordnet" in a.reason() and "frühere Angabe" in a.reason()
    # without history the same record would be due
    assert (
        assess(
            doc(document_date=date(2010, 1, 1), explicit_classes=("ao147-briefe",)), date(2030, 1, 1)
        ).status
        is Status.DUE
    )
