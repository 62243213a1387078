"""Payment terms: Skonto (BT-20), due dates (BT-9, § 286/§ 271a BGB), Leitweg-ID, IBAN/BIC, urgency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from einvoice.domain.terms import (
    SkontoTerm,
    TermsError,
    bic_for_iban,
    derive_due_date,
    is_sepa_iban,
    is_valid_iban,
    is_valid_leitweg_id,
    late_payment_cost,
    leitweg_check_digits,
    net_days_from_terms,
    normalize_bic,
    normalize_iban,
    parse_leitweg_id,
    parse_skonto,
    payable_amount,
    payee_name_check,
    skonto_offer,
    urgency_key,
)

# ------------------------------------------------------------------------------------------- Skonto


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#SKONTO#TAGE=14#PROZENT=2.00#\n", [(14, D("2.00"), None)]),
        ("#SKONTO#TAGE=14#PROZENT=2.00#BASISBETRAG=1000.00#\n", [(14, D("2.00"), D("1000.00"))]),
        (
            "#SKONTO#TAGE=7#PROZENT=2.00#\n#SKONTO#TAGE=14#PROZENT=1.00#\n#SKONTO#TAGE=30#PROZENT=0.00#\n",
            [(7, D("2.00"), None), (14, D("1.00"), None), (30, D("0.00"), None)],
        ),
        # unsorted input comes back by deadline, surrounding prose ignored
        (
            "Zahlbar innerhalb 30 Tagen netto.\n#SKONTO#TAGE=10#PROZENT=3.00#\n#SKONTO#TAGE=5#PROZENT=4.00#\n",
            [(5, D("4.00"), None), (10, D("3.00"), None)],
        ),
        ("  #SKONTO#TAGE=14#PROZENT=2.00#  \r\n", [(14, D("2.00"), None)]),  # CRLF / blanks tolerated
        ("", []),
        (None, []),
        ("Zahlbar sofort ohne Abzug", []),
    ],
)
def test_parse_structured_skonto(text: str | None, expected: list[tuple[int, D, D | None]]) -> None:
    result = parse_skonto(text)
    assert [(t.days, t.percent, t.base_amount) for t in result.terms] == expected
    assert all(t.source == "structured" for t in result.terms)
    assert result.problems == ()


@pytest.mark.parametrize(
    "line",
    [
        "#SKONTO#TAGE=14#PROZENT=2#",  # two decimals required
        "#SKONTO#TAGE=14#PROZENT=2,00#",  # dot decimals
        "#SKONTO#TAGE=vierzehn#PROZENT=2.00#",
        "#SKONTO#PROZENT=2.00#TAGE=14#",  # order fixed
        "#SKONTO#TAGE=14#PROZENT=2.00#BASISBETRAG=1000#",
        "#SKONTO#TAGE=14#PROZENT=200.00#",
    ],
)
def test_malformed_skonto_lines_are_reported_not_guessed(line: str) -> None:
    result = parse_skonto(line + "\n")
    assert result.terms == ()
    assert len(result.problems) == 1
    assert "SKONTO" in result.problems[0] or "Skonto" in result.problems[0]


def test_malformed_line_next_to_good_one_keeps_the_good_one() -> None:
    result = parse_skonto("#SKONTO#TAGE=14#PROZENT=2.00#\n#SKONTO#TAGE=x#\n")
    assert [(t.days, t.percent) for t in result.terms] == [(14, D("2.00"))]
    assert len(result.problems) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 % Skonto bei Zahlung innerhalb von 10 Tagen, 30 Tage netto", [(10, D("2"))]),
        ("Bei Zahlung innerhalb 14 Tagen 3% Skonto.", [(14, D("3"))]),
        ("14 Tage 2,5 % Skonto, 30 Tage netto", [(14, D("2.5"))]),
        ("3 % Skonto innerhalb 8 Kalendertagen", [(8, D("3"))]),
        ("Zahlbar innerhalb von 30 Tagen ohne Abzug", []),
        # KoSIT 03.02a/03.03a: a comma between the days and the percentage (was not recognised at all)
        ("Bei Zahlungen binnen 14 Tagen, 2% Skonto", [(14, D("2"))]),
        # ... but a net term before a percent-first Skonto clause is not read as a second Skonto term
        ("Zahlbar innerhalb 30 Tagen, 2 % Skonto bei Zahlung innerhalb von 10 Tagen", [(10, D("2"))]),
        ("30 Tage netto, 2 % Skonto", []),
    ],
)
def test_free_text_skonto_fallback(text: str, expected: list[tuple[int, D]]) -> None:
    result = parse_skonto(text)
    assert [(t.days, t.percent) for t in result.terms] == expected
    assert all(t.source == "free_text" for t in result.terms)


def test_structured_lines_win_over_free_text() -> None:
    result = parse_skonto("5 % Skonto innerhalb 3 Tagen\n#SKONTO#TAGE=14#PROZENT=2.00#\n")
    assert [(t.days, t.percent, t.source) for t in result.terms] == [(14, D("2.00"), "structured")]


ISSUED = date(2026, 3, 2)
TERMS = parse_skonto("#SKONTO#TAGE=7#PROZENT=3.00#\n#SKONTO#TAGE=14#PROZENT=2.00#\n").terms


@pytest.mark.parametrize(
    ("pay_date", "amount", "to_pay", "discount"),
    [
        (date(2026, 3, 2), D("1190.00"), D("1154.30"), D("35.70")),  # same day: 3 %
        (date(2026, 3, 9), D("1190.00"), D("1154.30"), D("35.70")),  # day 7 still counts
        (date(2026, 3, 10), D("1190.00"), D("1166.20"), D("23.80")),  # day 8: 2 %
        (date(2026, 3, 16), D("1190.00"), D("1166.20"), D("23.80")),  # day 14
        (date(2026, 3, 17), D("1190.00"), D("1190.00"), D("0.00")),  # too late
        (date(2026, 3, 2), D("0.33"), D("0.32"), D("0.01")),  # cent rounding half up (0.0099)
    ],
)
def test_payable_amount_deducts_skonto_only_in_time(
    pay_date: date, amount: D, to_pay: D, discount: D
) -> None:
    assert payable_amount(TERMS, ISSUED, amount, pay_date) == (to_pay, discount)
    assert to_pay + discount == amount


def test_basisbetrag_limits_the_discount_base() -> None:
    terms = parse_skonto("#SKONTO#TAGE=10#PROZENT=2.00#BASISBETRAG=500.00#\n").terms
    assert payable_amount(terms, ISSUED, D("1190.00"), ISSUED) == (D("1180.00"), D("10.00"))


def test_no_invoice_date_means_no_skonto() -> None:
    assert payable_amount(TERMS, None, D("100.00"), ISSUED) == (D("100.00"), D("0.00"))


def test_zero_percent_is_never_an_offer() -> None:
    terms = (SkontoTerm(days=30, percent=D("0.00")),)
    assert skonto_offer(terms, ISSUED, D("100.00"), ISSUED) is None


def test_skonto_offer_reports_deadline() -> None:
    offer = skonto_offer(TERMS, ISSUED, D("100.00"), date(2026, 3, 3))
    assert offer is not None
    assert offer.deadline == date(2026, 3, 9)
    assert offer.discount == D("3.00")


# ----------------------------------------------------------------------------------------- due date

RECEIVED = date(2026, 3, 4)


@pytest.mark.parametrize(
    ("kwargs", "due", "source", "capped", "flagged"),
    [
        ({"due_date": date(2026, 3, 20)}, date(2026, 3, 20), "bt9", False, False),
        ({"due_date": date(2026, 4, 3)}, date(2026, 4, 3), "bt9", False, False),  # exactly 30 days
        ({"due_date": date(2026, 4, 20)}, date(2026, 4, 20), "bt9", False, True),  # > 30 days: flagged
        ({"due_date": date(2026, 6, 30)}, date(2026, 5, 3), "bt9", True, True),  # > 60 days: capped
        (
            {"invoice_date": ISSUED, "payment_terms": "Zahlbar innerhalb 21 Tagen netto"},
            date(2026, 3, 23),
            "payment_terms",
            False,
            False,
        ),
        (
            {"invoice_date": ISSUED, "payment_terms": "net 10"},
            date(2026, 3, 12),
            "payment_terms",
            False,
            False,
        ),
        (
            {"invoice_date": ISSUED, "payment_terms": "#SKONTO#TAGE=14#PROZENT=2.00#\n"},
            date(2026, 4, 3),
            "default_30_days",
            False,
            False,
        ),
        ({}, date(2026, 4, 3), "default_30_days", False, False),
        (
            {"invoice_date": ISSUED, "payment_terms": "Zahlungsziel 90 Tage"},
            date(2026, 5, 3),
            "payment_terms",
            True,
            True,
        ),
    ],
)
def test_derive_due_date(kwargs: dict, due: date, source: str, capped: bool, flagged: bool) -> None:
    result = derive_due_date(receipt_date=RECEIVED, **kwargs)
    assert result.due == due
    assert result.source == source
    assert result.capped is capped
    assert any("271a" in n for n in result.notes) is flagged


def test_bt9_wins_over_payment_terms() -> None:
    result = derive_due_date(
        receipt_date=RECEIVED, due_date=date(2026, 3, 10), invoice_date=ISSUED, payment_terms="net 30"
    )
    assert (result.due, result.source) == (date(2026, 3, 10), "bt9")


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Zahlbar innerhalb von 14 Tagen", 14),
        ("Zahlungsziel: 30 Tage", 30),
        ("Payable within 45 days", 45),
        ("Netto 20", 20),
        ("#SKONTO#TAGE=14#PROZENT=2.00#", None),
        ("Vielen Dank für Ihren Auftrag", None),
    ],
)
def test_net_days_from_terms(text: str, days: int | None) -> None:
    assert net_days_from_terms(text) == days


# --------------------------------------------------------------------------------------- Leitweg-ID


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("04011000-1234512345-06", True),  # spec examples
        ("04011000-AB123-62", True),
        ("9930-87", True),
        ("04011000-ab123-62", True),  # letters case-insensitive
        ("04011000-1234512345-07", False),  # wrong check digits
        ("04011000-AB124-62", False),
        ("9930-88", False),
        ("9-87", False),  # coarse part too short
        ("1234567890123-00", False),  # coarse part too long
        ("04011000-AB_123-62", False),
        ("04011000-" + "A" * 31 + "-00", False),  # fine part too long
        ("04011000-1234512345-6", False),
        ("", False),
        ("040110001234512345 06", False),
    ],
)
def test_leitweg_id(value: str, valid: bool) -> None:
    assert is_valid_leitweg_id(value) is valid


def test_leitweg_parts_and_check_digit_computation() -> None:
    lid = parse_leitweg_id("04011000-1234512345-06")
    assert (lid.coarse, lid.fine, lid.check, lid.land) == ("04011000", "1234512345", "06", "04")
    assert str(lid) == "04011000-1234512345-06"
    assert leitweg_check_digits("04011000", "AB123") == "62"
    assert leitweg_check_digits("9930") == "87"
    # a freshly computed id always validates
    for coarse, fine in [("05315000", "ZAHLUNG1"), ("057", None), ("05", "X")]:
        cd = leitweg_check_digits(coarse, fine)
        assert is_valid_leitweg_id("-".join(p for p in (coarse, fine, cd) if p))


def test_leitweg_error_names_the_expected_check_digits() -> None:
    with pytest.raises(TermsError, match="erwartet 06"):
        parse_leitweg_id("04011000-1234512345-99")


# ---------------------------------------------------------------------------------------- IBAN / BIC


@pytest.mark.parametrize(
    ("value", "compact"),
    [
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("de89370400440532013000", "DE89370400440532013000"),
        ("AT61 1904 3002 3457 3201", "AT611904300234573201"),
    ],
)
def test_valid_iban(value: str, compact: str) -> None:
    assert normalize_iban(value) == compact
    assert is_valid_iban(value)


@pytest.mark.parametrize(
    "value", ["DE89370400440532013001", "DE8937040044053201300", "XX89370400440532013000", "", "hello"]
)
def test_invalid_iban(value: str) -> None:
    assert not is_valid_iban(value)
    with pytest.raises(TermsError, match="IBAN"):
        normalize_iban(value)


def test_bic() -> None:
    assert normalize_bic("cobadeffxxx") == "COBADEFFXXX"
    assert normalize_bic("COBADEFF") == "COBADEFF"
    with pytest.raises(TermsError, match="BIC"):
        normalize_bic("COBA1")
    with pytest.raises(TermsError):
        normalize_bic("COBAXXFF")  # unknown country code
    assert bic_for_iban("DE89370400440532013000") == "COBADEFFXXX"
    assert bic_for_iban("nonsense") is None


# ------------------------------------------------------------------------------------------- urgency


def test_urgency_orders_by_nearest_money_deadline_with_skonto_first() -> None:
    today = date(2026, 3, 10)
    items = {
        "due_in_10": urgency_key(today=today, due=date(2026, 3, 20), skonto_deadline=None),
        "skonto_in_3": urgency_key(
            today=today, due=date(2026, 4, 1), skonto_deadline=date(2026, 3, 13), skonto_amount=D("20")
        ),
        "due_in_3": urgency_key(today=today, due=date(2026, 3, 13), skonto_deadline=None),
        "overdue": urgency_key(today=today, due=date(2026, 3, 5), skonto_deadline=None),
        "skonto_passed": urgency_key(
            today=today, due=date(2026, 3, 30), skonto_deadline=date(2026, 3, 9), skonto_amount=D("50")
        ),
        "big_skonto_in_3": urgency_key(
            today=today, due=date(2026, 4, 1), skonto_deadline=date(2026, 3, 13), skonto_amount=D("90")
        ),
    }
    order = sorted(items, key=items.__getitem__)
    assert order == ["overdue", "big_skonto_in_3", "skonto_in_3", "due_in_3", "due_in_10", "skonto_passed"]


# ------------------------------------------------------------------------------------- late payment


@pytest.mark.parametrize(
    ("amount", "due", "paid", "base", "days", "interest", "fee"),
    [
        (D("10000.00"), date(2026, 3, 1), date(2026, 3, 1), D("1.27"), 0, D("0.00"), D("0.00")),  # on time
        (D("10000.00"), date(2026, 3, 1), date(2026, 2, 20), D("1.27"), 0, D("0.00"), D("0.00")),  # early
        (D("10000.00"), date(2026, 3, 1), date(2026, 3, 31), D("1.27"), 30, D("84.41"), D("40.00")),
        (
            D("365.00"),
            date(2026, 1, 1),
            date(2026, 1, 2),
            D("0.00"),
            1,
            D("0.09"),
            D("40.00"),
        ),  # 9 % p.a., 1 day
        (
            D("1000.00"),
            date(2026, 1, 1),
            date(2027, 1, 1),
            D("-0.88"),
            365,
            D("81.20"),
            D("40.00"),
        ),  # negative base rate
    ],
)
def test_late_payment_cost(amount, due, paid, base, days, interest, fee) -> None:
    cost = late_payment_cost(amount, due, paid, base)
    assert (cost.days_late, cost.interest, cost.flat_fee) == (days, interest, fee)
    assert cost.total == interest + fee


@pytest.mark.parametrize(
    ("expected", "given", "result"),
    [
        ("Müller Bau GmbH", "MÜLLER BAU GMBH", "match"),
        ("Müller Bau GmbH", "Müller Bau", "match"),  # legal form ignored
        ("Straßenbau Schmidt GmbH & Co. KG", "Strassenbau Schmidt", "match"),
        ("Müller Bau GmbH", "Müller Bau und Söhne GmbH", "close_match"),
        ("Müller Bau GmbH", "Mueller Bau GmbH", "close_match"),
        ("Müller Bau GmbH", "Zahlungsdienst XY Ltd", "no_match"),
        (None, "Müller", "unknown"),
        ("GmbH", "AG", "unknown"),
    ],
)
def test_payee_name_check(expected, given, result) -> None:
    assert payee_name_check(expected, given) == result


@pytest.mark.parametrize(
    ("iban", "sepa"),
    [
        ("DE75512108001245126199", True),
        ("CH9300762011623852957", True),  # outside the EU, inside the SEPA zone
        ("BR1800360305000010009795493C1", False),
        ("SA0380000000608010167519", False),
        ("DE00", False),
    ],
)
def test_sepa_zone_of_an_iban(iban: str, sepa: bool) -> None:
    assert is_sepa_iban(iban) is sepa
