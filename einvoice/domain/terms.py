"""Payment terms of an incoming invoice: Skonto (BT-20), due date (BT-9), Leitweg-ID (BT-10), bank ids.

Pure functions over plain values (``date``, ``Decimal``, ``str``); nothing here touches I/O.

Legal and format background (see ``docs`` and the XRechnung specification):

* BT-20 carries machine-readable Skonto lines checked by BR-DE-18:
  ``#SKONTO#TAGE=14#PROZENT=2.00#`` optionally followed by ``BASISBETRAG=1000.00#``; each line ends
  with a newline, several lines are allowed. ``TAGE`` counts from the invoice date (BT-2).
  Free-text Skonto ("2 % Skonto bei Zahlung innerhalb von 10 Tagen") still occurs and is recognised
  on a best-effort basis, marked ``source="free_text"``.
* Due date: BT-9 if given, else a net term found in the payment terms text, else 30 days after receipt
  (§ 286 Abs. 3 BGB). A public debtor may rely on a term over 30 days only when expressly agreed and
  justified and never over 60 days (§ 271a Abs. 2 BGB): later dates are capped at receipt + 60 days
  and terms over 30 days are flagged for review.
* Leitweg-ID: coarse part (2–12 digits), optional fine part (≤ 30 alphanumerics), two check digits,
  hyphen-separated; ISO/IEC 7064 Mod 97-10 over the whole (letters A=10 … Z=35) must leave 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from difflib import SequenceMatcher
from typing import Literal

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from einvoice.errors import EinvoiceError

CENT = Decimal("0.01")
DEFAULT_PAYMENT_DAYS = 30  # § 286 Abs. 3 BGB
PUBLIC_DEBTOR_MAX_DAYS = 60  # § 271a Abs. 2 BGB
PUBLIC_DEBTOR_EXPRESS_DAYS = 30  # § 271a Abs. 2 Nr. 1 BGB: longer only if expressly agreed + justified


class TermsError(EinvoiceError, ValueError):
    """Bad payment-term input (malformed Leitweg-ID, IBAN, BIC or amount)."""


def money(value: Decimal) -> Decimal:
    """Round a money amount to cents, commercial rounding (half up)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------- Skonto

SkontoSource = Literal["structured", "free_text"]


@dataclass(frozen=True, slots=True)
class SkontoTerm:
    """One Skonto offer: ``percent`` off when paid within ``days`` of the invoice date (BT-2)."""

    days: int
    percent: Decimal
    base_amount: Decimal | None = None  # BASISBETRAG: the amount the percentage applies to
    source: SkontoSource = "structured"

    def deadline(self, invoice_date: date) -> date:
        """Last day on which the payment still earns this discount."""
        return invoice_date + timedelta(days=self.days)

    def discount(self, amount_due: Decimal) -> Decimal:
        """Discount in EUR on ``amount_due`` (or on BASISBETRAG when given), rounded to cents."""
        base = self.base_amount if self.base_amount is not None else amount_due
        return money(base * self.percent / Decimal(100))


@dataclass(frozen=True, slots=True)
class SkontoParse:
    """Result of reading BT-20: recognised terms plus lines that looked like Skonto but were malformed."""

    terms: tuple[SkontoTerm, ...] = ()
    problems: tuple[str, ...] = ()


_STRUCTURED_LINE = re.compile(
    r"^#SKONTO#TAGE=(?P<days>[0-9]+)#PROZENT=(?P<pct>[0-9]+\.[0-9]{2})#"
    r"(?:BASISBETRAG=(?P<base>-?[0-9]+\.[0-9]{2})#)?$"
)
# "2 % Skonto bei Zahlung innerhalb von 10 Tagen", "innerhalb 14 Tagen 3% Skonto", "10 Tage 2 % Skonto"
_FREE_PCT_FIRST = re.compile(
    r"(?P<pct>\d{1,2}(?:[.,]\d{1,2})?)\s*%\s*Skonto\b[^.,;\n]*?(?P<days>\d{1,3})\s*(?:Kalender)?Tage",
    re.IGNORECASE,
)
# "binnen 14 Tagen, 2% Skonto" (KoSIT 03.02a): a comma right after the days is allowed; the spans the
# percent-first pattern took are blanked first, so "30 Tagen, 2 % Skonto in 10 Tagen" stays one term
_FREE_DAYS_FIRST = re.compile(
    r"(?P<days>\d{1,3})\s*(?:Kalender)?Tage?n?\b,?[^.,;\n%]*?(?P<pct>\d{1,2}(?:[.,]\d{1,2})?)\s*%\s*Skonto",
    re.IGNORECASE,
)


def parse_skonto(payment_terms: str | None) -> SkontoParse:
    """Read Skonto terms from BT-20 text.

    Structured ``#SKONTO#`` lines win; free text is only used when no structured line exists.
    Lines that start with ``#SKONTO#`` but do not match BR-DE-18 are reported in ``problems``.
    Terms are returned sorted by days (earliest deadline first).
    """
    if not payment_terms:
        return SkontoParse()
    terms: list[SkontoTerm] = []
    problems: list[str] = []
    for raw in payment_terms.splitlines():
        line = raw.strip()
        if not line.upper().startswith("#SKONTO#"):
            continue
        m = _STRUCTURED_LINE.match(line)
        if m is None:
            problems.append(f"Skonto-Zeile entspricht nicht BR-DE-18: {line!r}")
            continue
        pct = Decimal(m["pct"])
        if pct > Decimal(100):
            problems.append(f"Skonto-Prozentsatz über 100: {line!r}")
            continue
        base = Decimal(m["base"]) if m["base"] is not None else None
        terms.append(SkontoTerm(days=int(m["days"]), percent=pct, base_amount=base))
    if not terms and not problems:
        terms.extend(_free_text_skonto(payment_terms))
    terms.sort(key=lambda t: (t.days, -t.percent))
    return SkontoParse(terms=tuple(terms), problems=tuple(problems))


def _free_text_skonto(text: str) -> list[SkontoTerm]:
    found: dict[tuple[int, Decimal], SkontoTerm] = {}
    pct_first = list(_FREE_PCT_FIRST.finditer(text))
    rest = text
    for m in pct_first:
        rest = rest[: m.start()] + " " * (m.end() - m.start()) + rest[m.end() :]
    for m in [*pct_first, *_FREE_DAYS_FIRST.finditer(rest)]:
        try:
            pct = Decimal(m["pct"].replace(",", "."))
        except InvalidOperation:  # pragma: no cover - regex guarantees digits
            continue
        days = int(m["days"])
        if pct <= 0 or pct >= 100 or days > 366:
            continue
        found.setdefault((days, pct), SkontoTerm(days=days, percent=pct, source="free_text"))
    return list(found.values())


@dataclass(frozen=True, slots=True)
class SkontoOffer:
    """The best Skonto still available on a given payment date."""

    term: SkontoTerm
    deadline: date
    discount: Decimal
    amount_to_pay: Decimal


def skonto_offer(
    terms: tuple[SkontoTerm, ...] | list[SkontoTerm],
    invoice_date: date,
    amount_due: Decimal,
    pay_date: date,
) -> SkontoOffer | None:
    """Largest positive discount whose deadline is on or after ``pay_date`` (None if none applies)."""
    best: SkontoOffer | None = None
    for term in terms:
        deadline = term.deadline(invoice_date)
        if pay_date > deadline or term.percent <= 0:
            continue
        discount = min(term.discount(amount_due), amount_due)
        if discount <= 0:
            continue
        if best is None or discount > best.discount:
            best = SkontoOffer(term, deadline, discount, money(amount_due - discount))
    return best


def next_skonto_deadline(
    terms: tuple[SkontoTerm, ...] | list[SkontoTerm], invoice_date: date, today: date
) -> SkontoOffer | None:
    """The Skonto offer with the *earliest* deadline still open on ``today`` (for urgency ordering)."""
    open_terms = [t for t in terms if t.percent > 0 and t.deadline(invoice_date) >= today]
    if not open_terms:
        return None
    term = min(open_terms, key=lambda t: t.days)
    return SkontoOffer(term, term.deadline(invoice_date), Decimal(0), Decimal(0))


def payable_amount(
    terms: tuple[SkontoTerm, ...] | list[SkontoTerm],
    invoice_date: date | None,
    amount_due: Decimal,
    pay_date: date,
) -> tuple[Decimal, Decimal]:
    """``(amount to transfer, Skonto deducted)`` for a payment executed on ``pay_date``."""
    if invoice_date is None:
        return money(amount_due), Decimal("0.00")
    offer = skonto_offer(terms, invoice_date, amount_due, pay_date)
    if offer is None:
        return money(amount_due), Decimal("0.00")
    return offer.amount_to_pay, offer.discount


# ------------------------------------------------------------------------------------------- due date

DueDateSource = Literal["bt9", "payment_terms", "default_30_days"]


@dataclass(frozen=True, slots=True)
class DueDate:
    """The date by which the city must pay, how it was found and legal remarks."""

    due: date
    source: DueDateSource
    capped: bool = False
    notes: tuple[str, ...] = field(default=())


_NET_TERM = re.compile(
    r"(?:zahlbar|Zahlungsziel|netto|fällig|payable|due|net)\D{0,30}?(?P<days>\d{1,3})\s*(?:Kalender)?(?:Tage|Tagen|days)",
    re.IGNORECASE,
)
_NET_SHORT = re.compile(r"\bnet(?:to)?\s*(?P<days>\d{1,3})\b", re.IGNORECASE)


def net_days_from_terms(payment_terms: str | None) -> int | None:
    """Net payment term in days from free text ("zahlbar innerhalb 30 Tagen", "net 21"), if any.

    Skonto lines are ignored: their days are discount periods, not the net term.
    """
    if not payment_terms:
        return None
    text = "\n".join(line for line in payment_terms.splitlines() if "skonto" not in line.lower())
    for pattern in (_NET_TERM, _NET_SHORT):
        m = pattern.search(text)
        if m:
            return int(m["days"])
    return None


def derive_due_date(
    *,
    receipt_date: date,
    due_date: date | None = None,
    invoice_date: date | None = None,
    payment_terms: str | None = None,
) -> DueDate:
    """Due date per BT-9, else the net term in BT-20 (from BT-2), else 30 days after receipt.

    Dates beyond receipt + 60 days are capped (§ 271a Abs. 2 BGB); terms beyond 30 days after
    receipt are kept but flagged, since they bind a public debtor only when expressly agreed.
    """
    notes: list[str] = []
    source: DueDateSource
    if due_date is not None:
        due, source = due_date, "bt9"
    else:
        days = net_days_from_terms(payment_terms)
        if days is not None:
            start = invoice_date or receipt_date
            due, source = start + timedelta(days=days), "payment_terms"
        else:
            due, source = receipt_date + timedelta(days=DEFAULT_PAYMENT_DAYS), "default_30_days"
            notes.append("Kein Fälligkeitsdatum: 30 Tage nach Zugang (§ 286 Abs. 3 BGB).")
    capped = False
    latest = receipt_date + timedelta(days=PUBLIC_DEBTOR_MAX_DAYS)
    if due > latest:
        notes.append(
            f"Zahlungsfrist über 60 Tage nach Zugang auf {latest.isoformat()} begrenzt (§ 271a Abs. 2 BGB)."
        )
        due, capped = latest, True
    elif due > receipt_date + timedelta(days=PUBLIC_DEBTOR_EXPRESS_DAYS):
        notes.append("Zahlungsfrist über 30 Tage: nur wirksam, wenn ausdrücklich vereinbart (§ 271a BGB).")
    return DueDate(due=due, source=source, capped=capped, notes=tuple(notes))


# ----------------------------------------------------------------------------------------- Leitweg-ID

_LEITWEG = re.compile(r"^(?P<coarse>[0-9]{2,12})(?:-(?P<fine>[0-9A-Za-z]{1,30}))?-(?P<check>[0-9]{2})$")


@dataclass(frozen=True, slots=True)
class LeitwegId:
    """A checked Leitweg-ID (XRechnung BT-10)."""

    coarse: str
    fine: str | None
    check: str

    def __str__(self) -> str:
        return "-".join(p for p in (self.coarse, self.fine, self.check) if p)

    @property
    def land(self) -> str:
        """Two-digit Land code leading the coarse part (05 = NRW)."""
        return self.coarse[:2]


def _mod97_10(chars: str) -> int:
    number = "".join(str(int(c, 36)) for c in chars.upper())
    return int(number) % 97


def leitweg_check_digits(coarse: str, fine: str | None = None) -> str:
    """Compute the two check digits for a Leitweg-ID body (ISO/IEC 7064 Mod 97-10)."""
    body = coarse + (fine or "")
    if not body.isalnum() or not body.isascii():
        raise TermsError(f"Leitweg-ID darf nur Ziffern und Buchstaben enthalten: {body!r}")
    return f"{98 - _mod97_10(body + '00'):02d}"


def parse_leitweg_id(value: str) -> LeitwegId:
    """Parse and check a Leitweg-ID; raise ``TermsError`` with a readable reason when it is wrong."""
    text = (value or "").strip()
    m = _LEITWEG.match(text)
    if m is None:
        raise TermsError(
            f"Leitweg-ID {value!r} hat nicht die Form Grob(2–12 Ziffern)[-Fein(≤30 alphanumerisch)]-Prüfziffer(2)."
        )
    coarse, fine, check = m["coarse"], m["fine"], m["check"]
    if _mod97_10(coarse + (fine or "") + check) != 1:
        raise TermsError(
            f"Leitweg-ID {value!r}: Prüfziffer falsch (erwartet {leitweg_check_digits(coarse, fine)})."
        )
    return LeitwegId(coarse=coarse, fine=fine, check=check)


def is_valid_leitweg_id(value: str) -> bool:
    """True iff ``value`` is a well-formed Leitweg-ID with correct check digits (`parse_leitweg_id`
    accepts it), without building the error message of a wrong one."""
    m = _LEITWEG.match((value or "").strip())
    return m is not None and _mod97_10(m["coarse"] + (m["fine"] or "") + m["check"]) == 1


# ------------------------------------------------------------------------------------------ IBAN / BIC


def normalize_iban(value: str) -> str:
    """Compact, upper-case IBAN after checking country format and check digits (schwifty)."""
    try:
        return str(IBAN(value).compact)
    except (SchwiftyException, ValueError, TypeError) as exc:
        raise TermsError(f"IBAN {value!r} ungültig: {exc}") from exc


def normalize_bic(value: str) -> str:
    """Upper-case BIC (8 or 11 characters) after a structural check (schwifty)."""
    try:
        return str(BIC(value).compact)
    except (SchwiftyException, ValueError, TypeError) as exc:
        raise TermsError(f"BIC {value!r} ungültig: {exc}") from exc


def is_valid_iban(value: str) -> bool:
    """True iff schwifty accepts ``value`` as an IBAN."""
    try:
        normalize_iban(value)
    except TermsError:
        return False
    return True


def is_sepa_iban(iban: str) -> bool:
    """True iff the (valid) IBAN's country is in the SEPA zone, i.e. a pain.001 SEPA transfer can reach it."""
    try:
        return bool(IBAN(iban).in_sepa_zone)
    except (SchwiftyException, ValueError, TypeError):
        return False


def bic_for_iban(iban: str) -> str | None:
    """The BIC schwifty's bank registry knows for a (valid) IBAN, else None."""
    try:
        bic = IBAN(iban).bic
    except (SchwiftyException, ValueError):
        return None
    return str(bic.compact) if bic is not None else None


# ------------------------------------------------------------------------------------------ urgency


def urgency_key(
    *,
    today: date,
    due: date,
    skonto_deadline: date | None,
    skonto_amount: Decimal = Decimal(0),
) -> tuple[int, int, Decimal]:
    """Sort key for worklists: earliest money-relevant deadline first, Skonto first on ties.

    The relevant deadline is the Skonto deadline while it is still reachable (it always lies before
    the due date), else the due date. Returns ``(days left, 0 if Skonto else 1, -Skonto amount)``;
    overdue invoices have negative days left and come first.
    """
    if skonto_deadline is not None and skonto_deadline >= today and skonto_amount > 0:
        return ((min(skonto_deadline, due) - today).days, 0, -skonto_amount)
    return ((due - today).days, 1, Decimal(0))


# --------------------------------------------------------------------------------- late payment (Verzug)

LATE_FEE_FLAT = Decimal("40.00")  # § 288 Abs. 5 BGB (creditor is not a consumer)
LATE_INTEREST_POINTS = Decimal(9)  # § 288 Abs. 2 BGB: 9 points over the base rate (§ 247 BGB)


@dataclass(frozen=True, slots=True)
class LatePayment:
    """Estimated cost of paying after the due date (Verzugszinsen + flat fee)."""

    days_late: int
    interest: Decimal
    flat_fee: Decimal

    @property
    def total(self) -> Decimal:
        return self.interest + self.flat_fee


def late_payment_cost(
    amount: Decimal, due: date, paid_or_today: date, base_rate_percent: Decimal
) -> LatePayment:
    """Default interest ``amount × (base rate + 9 points) × days / 365`` plus the €40 flat fee, from the day
    after the due date (simplified: one base rate for the whole period, Act/365; the caller supplies the
    Basiszinssatz of the Bundesbank in force)."""
    days = (paid_or_today - due).days
    if days <= 0 or amount <= 0:
        return LatePayment(0, Decimal("0.00"), Decimal("0.00"))
    rate = (base_rate_percent + LATE_INTEREST_POINTS) / Decimal(100)
    return LatePayment(days, money(amount * rate * days / Decimal(365)), LATE_FEE_FLAT)


# ------------------------------------------------------------------------------------ payee name check

_LEGAL_FORMS = re.compile(
    r"\b(gmbh\s*&\s*co\.?\s*kg|gmbh|mbh|ag|kg|ohg|ug|e\.?\s*k\.?|e\.?\s*v\.?|gbr|ltd|inc|se|co)\b\.?",
    re.IGNORECASE,
)

PayeeMatch = Literal["match", "close_match", "no_match", "unknown"]


def _name_key(name: str) -> str:
    text = _LEGAL_FORMS.sub(" ", name.casefold().replace("ß", "ss"))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def payee_name_check(expected: str | None, given: str | None) -> PayeeMatch:
    """Compare the payee name of the supplier record with the name on the invoice, like Verification of
    Payee does at the bank (legal forms, case and punctuation ignored). Shown to finance before release."""
    if not expected or not given:
        return "unknown"
    a, b = _name_key(expected), _name_key(given)
    if not a or not b:
        return "unknown"
    if a == b:
        return "match"
    if a in b or b in a or SequenceMatcher(None, a, b).ratio() >= 0.85:
        return "close_match"
    return "no_match"
