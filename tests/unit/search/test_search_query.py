from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.query import (
    And,
    DateRange,
    FieldFilter,
    Not,
    Or,
    Phrase,
    Word,
    parse,
    parse_date_value,
    positive_leaves,
)


def test_words_are_anded() -> None:
    assert parse("Bauantrag Müller").root == And((Word("Bauantrag"), Word("Müller")))


def test_phrase_exclusion_prefix() -> None:
    q = parse('"exakte Phrase" -ausgenommen antr*')
    assert q.root == And((Phrase("exakte Phrase"), Not(Word("ausgenommen")), Word("antr", prefix=True)))
    assert q.notices == ()


def test_or_binds_tighter_than_and() -> None:
    assert parse("a OR b c").root == And((Or((Word("a"), Word("b"))), Word("c")))
    assert parse("a ODER b | c").root == Or((Word("a"), Word("b"), Word("c")))
    assert parse("a or b").root == And((Word("a"), Word("or"), Word("b")))  # lower case is a word


def test_groups_and_negated_groups() -> None:
    assert parse("-(a OR b) c").root == And((Not(Or((Word("a"), Word("b")))), Word("c")))
    assert parse('-"x y"').root == Not(Phrase("x y"))


@pytest.mark.parametrize(
    ("text", "node"),
    [
        ("typ:Rechnung", FieldFilter("document_type", "Rechnung")),
        ("akte:63.01.02-2026/0147", FieldFilter("akte", "63.01.02-2026/0147")),
        ("akte:63.01*", FieldFilter("akte", "63.01", prefix=True)),
        ('von:"Müller Bau"', FieldFilter("correspondent", "Müller Bau", phrase=True)),
        ("tag:Bau", FieldFilter("tag", "Bau")),
        ("abteilung:63", FieldFilter("department", "63")),
        ("ASN:ASN-1", FieldFilter("asn", "ASN-1")),
        ("datum:2025", DateRange(date(2025, 1, 1), date(2025, 12, 31))),
        ("datum:2024-02", DateRange(date(2024, 2, 1), date(2024, 2, 29))),
        ("datum:2024-01-01..2024-06-30", DateRange(date(2024, 1, 1), date(2024, 6, 30))),
        ("datum:2024-06-30..2024-01-01", DateRange(date(2024, 1, 1), date(2024, 6, 30))),
        ("datum:..2024-06-30", DateRange(None, date(2024, 6, 30))),
        ("datum:2024-01-01..", DateRange(date(2024, 1, 1), None)),
    ],
)
def test_field_filters(text: str, node: object) -> None:
    parsed = parse(text)
    assert parsed.root == node
    assert parsed.notices == ()


@pytest.mark.parametrize(
    ("text", "root", "notice"),
    [
        ('"offene Rechnung', And((Word("offene"), Word("Rechnung"))), "Anführungszeichen"),
        ("(a OR b", Or((Word("a"), Word("b"))), "Klammer"),
        ("a )", Word("a"), "Klammer"),
        ("OR a OR", Word("a"), "ODER"),
        ("farbe:rot", And((Word("farbe"), Word("rot"))), "farbe"),
        ("datum:2024-13-45", And((Word("datum"), Word("2024-13-45"))), "Datum"),
        ("typ:", None, "ohne Wert"),
        ("x*", Word("x"), "Platzhalter"),
    ],
)
def test_syntax_slips_degrade_with_notice(text: str, root: object, notice: str) -> None:
    parsed = parse(text)
    assert parsed.root == root
    assert parsed.notice is not None and notice in parsed.notice


def test_empty_and_blank() -> None:
    assert parse("").root is None
    assert parse("   ").root is None
    assert parse("-").root is None


def test_time_and_url_are_words_without_notice() -> None:
    assert parse("10:30").notices == ()
    assert parse("https://stadt.de").notices == ()


def test_clause_limit() -> None:
    parsed = parse(" ".join(f"w{i}" for i in range(100)))
    assert isinstance(parsed.root, And) and len(parsed.root.children) == 64
    assert parsed.notice and "64" in parsed.notice


def test_positive_leaves_skip_negations() -> None:
    leaves = positive_leaves(parse("a -b (c OR -d) typ:X").root)
    assert leaves == [Word("a"), Word("c"), FieldFilter("document_type", "X")]


def test_parse_date_value_rejects_garbage() -> None:
    assert parse_date_value("gestern") is None
    assert parse_date_value("2024-02-30") is None
    assert parse_date_value("..") is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab -"():*|ORODERtypdaum:2024-01..äß\t')), max_size=40))
def test_parser_never_raises(text: str) -> None:
    parsed = parse(text)
    assert parsed.root is None or parsed.root is not None
    assert all(isinstance(n, str) for n in parsed.notices)
