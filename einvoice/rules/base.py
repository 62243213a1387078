"""Findings, the per-document rule context and the helpers every rule module shares.

Rules are plain functions ``rule(ctx: Ctx) -> None`` over the EN 16931 model. `Ctx` precomputes what
many rules need once (sums per VAT category and rate, which categories occur, seller VAT facts), and
offers `Ctx.fail`, which turns a rule id into a `Finding` with severity, official text and location.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from functools import lru_cache
from typing import Any

from einvoice.domain.model import AllowanceCharge, Invoice, InvoiceLine, VatBreakdown
from einvoice.rules.catalogue import RULES, Severity
from einvoice.syntax.namespaces import PREFIXES
from einvoice.syntax.parsed import Locations

__all__ = ["Ctx", "Finding", "Rule", "code", "present", "round2"]

_HUNDRED = Decimal(100)
_HALF = Decimal("0.5")


@dataclass(frozen=True, slots=True)
class Finding:
    """One violated rule: id, severity, official text, where (XPath) and which business term."""

    rule: str
    severity: Severity
    message: str
    location: str | None = None
    bt: str | None = None
    message_en: str | None = None
    message_de: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The CLI/API shape: ``rule``, ``severity``, ``message``, ``location`` (+ ``bt`` and both texts)."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "location": self.location,
            "bt": self.bt,
            "message_en": self.message_en,
            "message_de": self.message_de,
        }


def round2(value: Decimal) -> Decimal:
    """XPath ``round(x * 100) div 100``: half rounds towards positive infinity."""
    return ((value * _HUNDRED + _HALF).to_integral_value(rounding=ROUND_FLOOR)) / _HUNDRED


def round0(value: Decimal) -> Decimal:
    """XPath ``round(x)``."""
    return (value + _HALF).to_integral_value(rounding=ROUND_FLOOR)


def present(value: str | None) -> bool:
    """XPath ``normalize-space(x) != ''``."""
    return value is not None and value.strip() != ""


def code(value: object) -> str | None:
    """A code value (enum or str) as whitespace-normalised text, None when absent."""
    if value is None:
        return None
    text = value if type(value) is str else str(value)  # StrEnum → its value
    if " " in text or "\n" in text or "\t" in text or "\r" in text:
        return " ".join(text.split())
    return text


#: Findings kept per rule id; more are counted and summarised (hostile documents with 10⁵ lines).
MAX_FINDINGS_PER_RULE = 200


@lru_cache(maxsize=4096)
def _step_name(tag: str) -> str:
    """``{ns}local`` → ``prefix:local`` (``*:local`` for an unknown namespace)."""
    if tag[:1] == "{":
        ns, local = tag[1:].split("}", 1)
        prefix = PREFIXES.get(ns)
        return f"{prefix}:{local}" if prefix else f"*:{local}"
    return tag


class XPaths:
    """Readable XPaths (as `einvoice.syntax.parsed.xpath_of`) in O(1) amortised per element.

    Sibling positions are computed once per parent, paths once per element, so reporting n findings
    in a document with n siblings costs O(n), not O(n²).
    """

    __slots__ = ("_paths", "_steps")

    def __init__(self) -> None:
        self._paths: dict[Any, str] = {}
        self._steps: dict[Any, str] = {}

    @staticmethod
    def _name(tag: str) -> str:
        return _step_name(tag)

    def _step(self, el: Any, parent: Any) -> str:
        step = self._steps.get(el)
        if step is not None:
            return step
        if parent is None:
            step = self._steps[el] = self._name(el.tag)
            return step
        groups: dict[str, list[Any]] = {}
        for child in parent.getchildren():
            if isinstance(child.tag, str):
                groups.setdefault(child.tag, []).append(child)
        for tag, kids in groups.items():
            name = self._name(tag)
            if len(kids) == 1:
                self._steps[kids[0]] = name
            else:
                for i, kid in enumerate(kids, 1):
                    self._steps[kid] = f"{name}[{i}]"
        return self._steps.get(el) or self._name(el.tag)

    def path(self, el: Any) -> str:
        cached = self._paths.get(el)
        if cached is not None:
            return cached
        parent = el.getparent()
        step = self._step(el, parent)
        path = f"/{step}" if parent is None else f"{self.path(parent)}/{step}"
        self._paths[el] = path
        return path


@dataclass(slots=True)
class _Sums:
    """Σ of line net amounts, document allowances and charges for one VAT category (and rate)."""

    lines: Decimal = Decimal(0)
    allowances: Decimal = Decimal(0)
    charges: Decimal = Decimal(0)
    line_count: int = 0
    ac_count: int = 0

    @property
    def taxable(self) -> Decimal:
        return self.lines + self.charges - self.allowances


@dataclass(slots=True)
class Ctx:
    """Everything a rule needs about one document, computed once."""

    invoice: Invoice
    locations: Locations
    syntax: str
    profile: str
    findings: list[Finding] = field(default_factory=list)
    is_extension: bool = False
    is_cvd: bool = False
    # precomputed facts ---------------------------------------------------------------------------
    by_category: dict[str, _Sums] = field(default_factory=dict)
    by_category_rate: dict[tuple[str, Decimal | None], _Sums] = field(default_factory=dict)
    line_categories: set[str] = field(default_factory=set)
    allowance_categories: set[str] = field(default_factory=set)
    charge_categories: set[str] = field(default_factory=set)
    breakdown_categories: list[str] = field(default_factory=list)
    #: Factur-X EXTENDED sub lines (ParentLineID): shown, but not part of the document sums
    excluded_lines: frozenset[int] = frozenset()
    #: Factur-X EXTENDED logistics service charges: document level charges outside BG-21
    extra_charges: list[AllowanceCharge] = field(default_factory=list)
    #: XPath of the document root, the location of findings about terms that are absent altogether
    root_path: str | None = None
    #: the XML root (syntax-binding checks of XRechnung's PEPPOL rules); None for bare models
    root: Any = None
    xpaths: XPaths = field(default_factory=XPaths)
    suppressed: dict[str, int] = field(default_factory=dict)
    _per_rule: dict[str, int] = field(default_factory=dict)

    @property
    def lines(self) -> list[InvoiceLine]:
        """The invoice lines that count for the document sums."""
        if not self.excluded_lines:
            return self.invoice.lines
        return [ln for ln in self.invoice.lines if id(ln) not in self.excluded_lines]

    @property
    def charges(self) -> list[AllowanceCharge]:
        """Document level charges, including EXTENDED logistics service charges."""
        return [*self.invoice.charges, *self.extra_charges] if self.extra_charges else self.invoice.charges

    def __post_init__(self) -> None:
        self.prepare()

    def prepare(self) -> None:
        """(Re)compute the sums per VAT category (call again after changing lines/charges)."""
        inv = self.invoice
        self.by_category.clear()
        self.by_category_rate.clear()
        self.line_categories.clear()
        self.allowance_categories.clear()
        self.charge_categories.clear()
        for line in self.lines:
            cat = code(line.vat.category) if line.vat is not None else None
            rate = line.vat.rate if line.vat is not None else None
            if cat is None:
                continue
            self.line_categories.add(cat)
            for sums in (self._sums(cat), self._sums_rate(cat, rate)):
                sums.line_count += 1
                if line.net_amount is not None:
                    sums.lines += line.net_amount
        for ac in (*inv.allowances, *self.charges):
            cat = code(ac.vat_category)
            if cat is None:
                continue
            (self.charge_categories if ac.is_charge else self.allowance_categories).add(cat)
            for sums in (self._sums(cat), self._sums_rate(cat, ac.vat_rate)):
                sums.ac_count += 1
                if ac.amount is not None:
                    if ac.is_charge:
                        sums.charges += ac.amount
                    else:
                        sums.allowances += ac.amount
        self.breakdown_categories = [
            c for c in (code(b.category) for b in inv.vat_breakdown) if c is not None
        ]

    def _sums(self, cat: str) -> _Sums:
        s = self.by_category.get(cat)
        if s is None:
            s = self.by_category[cat] = _Sums()
        return s

    def _sums_rate(self, cat: str, rate: Decimal | None) -> _Sums:
        key = (cat, rate.normalize() if rate is not None and rate.is_finite() else None)
        s = self.by_category_rate.get(key)
        if s is None:
            s = self.by_category_rate[key] = _Sums()
        return s

    def sums_for(self, cat: str, rate: Decimal | None = None, *, with_rate: bool = False) -> _Sums:
        """Σ for a VAT category (optionally only items whose rate equals ``rate``)."""
        if with_rate:
            key = (cat, rate.normalize() if rate is not None and rate.is_finite() else None)
            return self.by_category_rate.get(key) or _Sums()
        return self.by_category.get(cat) or _Sums()

    @property
    def used_categories(self) -> set[str]:
        return self.line_categories | self.allowance_categories | self.charge_categories

    # emitting ------------------------------------------------------------------------------------
    def fail(
        self, rule_id: str, bt: str | None = None, obj: object | None = None, *, location: str | None = None
    ) -> None:
        """Record that ``rule_id`` is violated, located at ``bt`` (of ``obj``) or at ``obj``'s element."""
        n = self._per_rule.get(rule_id, 0) + 1
        self._per_rule[rule_id] = n
        if n > MAX_FINDINGS_PER_RULE:
            self.suppressed[rule_id] = self.suppressed.get(rule_id, 0) + 1
            return
        spec = RULES.get(rule_id)
        if location is None:
            location = self.where(bt, obj)
        if spec is None:
            self.findings.append(Finding(rule_id, "error", rule_id, location, bt))
            return
        self.findings.append(
            Finding(rule_id, spec.severity, spec.message, location, bt, spec.message_en, spec.message_de)
        )

    def xpath(self, el: Any) -> str:
        """Readable XPath of an element (cached; see `XPaths`)."""
        return self.xpaths.path(el)

    def element(self, bt: str, obj: object | None = None) -> Any:
        """The element ``bt`` (of ``obj``) was read from (O(1) in `Locations`)."""
        return self.locations.element(bt, obj)

    def where(self, bt: str | None = None, obj: object | None = None) -> str | None:
        """Best XPath for a term of an object: the term's element, else the object's element."""
        if bt is not None:
            el = self.element(bt, obj)
            if el is not None:
                return self.xpath(el)
        if obj is not None:
            el = self.locations.element_of(obj)
            if el is not None:
                return self.xpath(el)
        return self.root_path

    def within_one(self, actual: Decimal, expected: Decimal) -> bool:
        """The CEN tolerance of ±1 between a stated and a computed amount (CII: inclusive, UBL: strict)."""
        if self.syntax == "CII":
            return actual - 1 <= expected <= actual + 1
        return actual - 1 < expected < actual + 1

    def check(self, ok: bool, rule_id: str, bt: str | None = None, obj: object | None = None) -> None:
        if not ok:
            self.fail(rule_id, bt, obj)


Rule = Callable[[Ctx], None]


def doc_allowances(inv: Invoice) -> Iterable[AllowanceCharge]:
    return inv.allowances


def line_vat_category(line: InvoiceLine) -> str | None:
    return code(line.vat.category) if line.vat is not None else None


def breakdown_category(b: VatBreakdown) -> str | None:
    return code(b.category)
