from datetime import date

import pytest

from retention import (
    DEFAULT_CLASSES,
    ClassRegistry,
    InvalidPeriod,
    InvalidRetentionClass,
    Period,
    RetentionClass,
    Trigger,
    UnknownRetentionClass,
    default_registry,
)
from retention.model import Action, StartRule


@pytest.mark.parametrize(
    ("text", "years", "months", "permanent"),
    [
        ("8y", 8, 0, False),
        ("6m", 0, 6, False),
        ("10y6m", 10, 6, False),
        ("permanent", 0, 0, True),
        ("Dauernd", 0, 0, True),
    ],
)
def test_period_parse(text: str, years: int, months: int, permanent: bool) -> None:
    p = Period.parse(text)
    assert (p.years, p.months, p.permanent) == (years, months, permanent)
    assert Period.parse(str(p)) == p


@pytest.mark.parametrize("bad", ["", "8", "eight years", "-1y", "y"])
def test_period_parse_rejects_garbage(bad: str) -> None:
    with pytest.raises(InvalidPeriod):
        Period.parse(bad)


def test_period_add_clamps_month_end() -> None:
    assert Period(months=1).add_to(date(2026, 1, 31)) == date(2026, 2, 28)
    assert Period(months=6).add_to(date(2026, 12, 31)) == date(2027, 6, 30)
    assert Period(years=1).add_to(date(2024, 2, 29)) == date(2025, 2, 28)
    with pytest.raises(InvalidPeriod):
        Period(permanent=True).add_to(date(2026, 1, 1))


def test_shipped_defaults_have_required_ids_and_periods() -> None:
    reg = default_registry()
    expected = {"ao147-belege": 8, "ao147-buecher": 10, "ao147-briefe": 6}
    for class_id, years in expected.items():
        cls = reg[class_id]
        assert cls.period == Period(years=years)
        assert cls.trigger is Trigger.DOCUMENT_DATE
        assert cls.start is StartRule.END_OF_YEAR
        assert "147" in cls.legal_basis
    assert reg["komhvo59-jahresabschluss"].period.permanent
    assert reg["komhvo59-belege"].trigger is Trigger.EVENT
    assert reg["komhvo59-belege"].event == "jahresabschluss-festgestellt"
    assert len(reg) == len(DEFAULT_CLASSES)


def test_registry_unknown_and_duplicates() -> None:
    with pytest.raises(UnknownRetentionClass):
        default_registry()["nope"]
    with pytest.raises(InvalidRetentionClass):
        ClassRegistry([DEFAULT_CLASSES[0], DEFAULT_CLASSES[0]])


def test_registry_from_config_overrides_and_validates() -> None:
    reg = ClassRegistry.from_config(
        [
            {"id": "bau-akten", "name": "Bauakten", "period": "30y", "trigger": "closure", "action": "offer"},
            {"id": "ao147-briefe", "name": "Briefe", "period": "7y"},
        ]
    )
    assert reg["bau-akten"].trigger is Trigger.CLOSURE
    assert reg["bau-akten"].action is Action.OFFER_TO_ARCHIVE
    assert reg["ao147-briefe"].period.years == 7
    assert "ao147-belege" in reg
    with pytest.raises(InvalidRetentionClass):
        ClassRegistry.from_config([{"id": "x", "period": "soon"}])
    with pytest.raises(InvalidRetentionClass):
        ClassRegistry.from_config([{"id": "x", "period": "1y", "trigger": "event"}])  # event name missing
    with pytest.raises(InvalidRetentionClass):
        ClassRegistry.from_config([{"name": "no id", "period": "1y"}])


def test_class_round_trip() -> None:
    for cls in DEFAULT_CLASSES:
        assert RetentionClass.from_dict(cls.to_dict()) == cls
