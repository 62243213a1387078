"""All validity rules of EN 16931, its syntax bindings and XRechnung 3.0, as plain functions.

`check(parsed)` runs every rule that applies to a parsed invoice and returns the findings with the
severities of the KoSIT XRechnung configuration. `check_rules(invoice, …)` runs the model rules
alone (used for the CEN unit-test fragments and property tests).

Validity policy (what ``valid`` means; a report is valid iff no finding is ``error`` or ``fatal``):

- **XRechnung 3.0** (BT-24 ``…#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0``, extension, CVD): EN 16931
  + syntax binding + XRechnung rules (BR-DE/BR-DEX/BR-TMP and the PEPPOL-EN16931 rules KoSIT integrated),
  with KoSIT's scenario severities (e.g. BR-CL-23 warning; CII-SR-452…454 errors; extension downgrades).
- **Other EN 16931 instances** (core, Peppol BIS 3.0, Factur-X/ZUGFeRD BASIC, EN 16931, EXTENDED): the
  EN 16931 rules and syntax bindings decide; XRechnung rules are not applied (they bind only documents that
  declare XRechnung) and a warning ``AW-NOT-XRECHNUNG`` says so. KoSIT would answer "no scenario"; a
  German company receiving B2B e-invoices must accept any EN 16931 invoice (§ 14 UStG), so Aktenwerk
  accepts them. EXTENDED: sub lines (ParentLineID) are not summed and logistics service charges count as
  document charges, as the Factur-X specification defines; its extended allowance/charge code lists are
  warnings, and the CII-SR/CII-DT binding restrictions (which EXTENDED deliberately exceeds) are not applied.
- **XRechnung 1.x/2.x**: readable, checked with EN 16931 and the BR-DE rules (not the PEPPOL rules that
  XRechnung 3.0 integrated), plus the warning ``AW-OUTDATED-XRECHNUNG``.
- **MINIMUM, BASIC WL**: not EN 16931 invoices → error ``AW-PROFILE-NOT-EN16931``.
- **ZUGFeRD 1.0**: outdated, not EN 16931 → error ``AW-OUTDATED`` (content readable for display).
- An unknown BT-24 → error ``AW-UNKNOWN-SPECIFICATION``; values that break their XML data type (dates,
  numbers, base64) → error ``AW-DATATYPE``; unreadable input → ``fatal`` (in the validation engine).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from lxml import etree

from einvoice.domain.model import Invoice
from einvoice.rules import codelists, en16931, peppol, vat, xrechnung
from einvoice.rules.base import Ctx, Finding, Rule
from einvoice.rules.catalogue import ALIASES, RULES, SEVERITY_ORDER, RuleSpec, severity_overrides
from einvoice.rules.cii_sr import check_cii_sr
from einvoice.rules.syntax_cii import check_cii, extended_cii_facts
from einvoice.rules.syntax_cii_strict import check_cii_strict
from einvoice.rules.syntax_ubl import check_ubl
from einvoice.syntax.parsed import Locations, ParsedInvoice, xpath_of

__all__ = [
    "ALIASES",
    "EN16931_RULES",
    "RULES",
    "XRECHNUNG_RULES",
    "Finding",
    "RuleSpec",
    "check",
    "check_rules",
]

log = logging.getLogger(__name__)

_XS_DATE_TZ = re.compile(r"\d{4}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})\Z")

EN16931_RULES: tuple[Rule, ...] = (*en16931.RULES, *vat.RULES, *codelists.RULES)
XRECHNUNG_RULES: tuple[Rule, ...] = (*xrechnung.RULES, *peppol.RULES)

_OUTDATED_PROFILES = ("ZUGFERD-1.0",)
_NOT_EN16931 = {"MINIMUM", "BASIC-WL"}


def _run(ctx: Ctx, rules: Iterable[Rule]) -> None:
    for rule in rules:
        try:
            rule(ctx)
        except Exception:  # a rule must never take the report down; this is a bug, say so
            log.exception("rule %s failed", getattr(rule, "__name__", rule))
            ctx.fail("AW-INTERNAL", location=None)


def check_rules(
    invoice: Invoice,
    *,
    syntax: str,
    locations: Locations | None = None,
    root: etree._Element | None = None,
    xrechnung_rules: bool = False,
    extension: bool = False,
    cvd: bool = False,
) -> list[Finding]:
    """Run the model rules (and, given ``root``, the syntax rules) on one invoice model."""
    ctx = Ctx(
        invoice,
        locations or Locations(),
        syntax,
        "",
        is_extension=extension,
        is_cvd=cvd,
        root_path=xpath_of(root) if root is not None else None,
        root=root,
    )
    _run(ctx, EN16931_RULES)
    if root is not None:
        syntax_rule = check_cii if syntax == "CII" else check_ubl
        _run(ctx, (lambda c: syntax_rule(c, root),))
        if syntax == "CII":
            _run(ctx, (lambda c: check_cii_strict(c, root), lambda c: check_cii_sr(c, root)))
    if xrechnung_rules:
        _run(ctx, XRECHNUNG_RULES)
    findings = _dedupe(ctx.findings)
    if ctx.suppressed:
        findings.append(_truncation_note(ctx.suppressed))
    return findings


def _truncation_note(suppressed: dict[str, int]) -> Finding:
    counts = ", ".join(f"{rule}: {n}" for rule, n in sorted(suppressed.items()))
    spec = RULES["AW-TRUNCATED"]
    return Finding(
        "AW-TRUNCATED",
        spec.severity,
        f"{spec.message_de} ({counts})",
        None,
        None,
        f"{spec.message_en} ({counts})",
        f"{spec.message_de} ({counts})",
    )


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Drop repeated (rule, location) pairs (a rule may be seen from the model and from the tree)."""
    seen: set[tuple[str, str | None]] = set()
    out: list[Finding] = []
    for f in findings:
        key = (f.rule, f.location)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _profile_findings(parsed: ParsedInvoice, ctx: Ctx) -> tuple[bool, bool]:
    """Findings about the profile/specification; returns (run EN 16931 rules, run XRechnung rules)."""
    profile = parsed.profile or "UNKNOWN"
    if parsed.syntax == "ZUGFeRD-1.0-CII" or profile.startswith(_OUTDATED_PROFILES):
        ctx.fail("AW-OUTDATED", "BT-24")
        return False, False
    if profile in _NOT_EN16931:
        ctx.fail("AW-PROFILE-NOT-EN16931", "BT-24")
        return False, False
    spec = (parsed.specification or "").strip()
    if spec and not _known_specification(spec):
        ctx.fail("AW-UNKNOWN-SPECIFICATION", "BT-24")
        return True, False
    version = parsed.xrechnung_version
    if version is not None and version != "3.0":
        ctx.fail("AW-OUTDATED-XRECHNUNG", "BT-24")
        return True, True
    if parsed.is_xrechnung:
        return True, True
    if profile == "UNKNOWN":
        ctx.fail("AW-UNKNOWN-SPECIFICATION", "BT-24")
        return True, False
    ctx.fail("AW-NOT-XRECHNUNG", "BT-24")
    return True, False


#: BT-24 values that are not EN 16931 CIUS/extension URNs but known profiles (reported separately).
_OTHER_SPECIFICATIONS = frozenset(
    {
        "urn:factur-x.eu:1p0:minimum",
        "urn:factur-x.eu:1p0:basicwl",
        "urn:zugferd.de:2p0:minimum",
        "urn:zugferd.de:2p0:basicwl",
    }
)


def _known_specification(spec: str) -> bool:
    """EN 16931 itself, or a CIUS/extension written as ``urn:cen.eu:en16931:2017#compliant|conformant#…``."""
    if spec == "urn:cen.eu:en16931:2017" or spec in _OTHER_SPECIFICATIONS:
        return True
    return spec.startswith(("urn:cen.eu:en16931:2017#compliant#", "urn:cen.eu:en16931:2017#conformant#"))


def check(parsed: ParsedInvoice) -> list[Finding]:
    """All findings for a parsed invoice, ordered by severity (fatal, error, warning, information)."""
    spec = parsed.specification or ""
    extension = parsed.profile == "XRECHNUNG-EXTENSION"
    cvd = "cvd" in spec
    ctx = Ctx(
        parsed.invoice,
        parsed.locations,
        parsed.syntax,
        parsed.profile,
        is_extension=extension,
        is_cvd=cvd,
        root_path=xpath_of(parsed.root),
        root=parsed.root,
    )
    run_en, run_xr = _profile_findings(parsed, ctx)
    if parsed.profile == "EXTENDED" and parsed.syntax == "CII":
        ctx.excluded_lines, ctx.extra_charges = extended_cii_facts(parsed)
        ctx.prepare()
    if run_en:
        for problem in parsed.problems:
            if problem.value is not None and _XS_DATE_TZ.match(problem.value):
                continue  # xs:date allows a time zone; the value is schema-valid
            ctx.fail("AW-DATATYPE", problem.term, location=problem.xpath)
            last = ctx.findings[-1]
            ctx.findings[-1] = Finding(
                last.rule,
                last.severity,
                f"{last.message} ({problem.term}: {problem.message})",
                last.location,
                last.bt,
                last.message_en,
                f"{last.message_de} ({problem.term}: {problem.message})",
            )
        _run(ctx, EN16931_RULES)
        if parsed.syntax == "CII":
            _run(ctx, (lambda c: check_cii(c, parsed.root),))
            if parsed.profile != "EXTENDED":
                _run(
                    ctx, (lambda c: check_cii_strict(c, parsed.root), lambda c: check_cii_sr(c, parsed.root))
                )
        elif parsed.syntax in ("UBL-Invoice", "UBL-CreditNote"):
            _run(ctx, (lambda c: check_ubl(c, parsed.root),))
        if run_xr:
            # outdated XRechnung (1.x/2.x): the BR-DE rules, but not the PEPPOL rules integrated in 3.0
            outdated = parsed.xrechnung_version not in (None, "3.0")
            _run(ctx, xrechnung.RULES if outdated else XRECHNUNG_RULES)
    overrides = severity_overrides(
        xrechnung=run_xr, extension=extension, cvd=cvd, syntax=parsed.syntax, profile=parsed.profile
    )
    findings = _dedupe(ctx.findings)
    if ctx.suppressed:
        findings.append(_truncation_note(ctx.suppressed))
    if overrides:
        findings = [
            Finding(f.rule, overrides[f.rule], f.message, f.location, f.bt, f.message_en, f.message_de)
            if f.rule in overrides
            else f
            for f in findings
        ]
    findings.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    return findings
