"""Helpers shared by the corpus tests: file lists, CEN testSet reading, KoSIT xmute mutations.

Nothing here knows the answer for a particular file: expectations come from the corpus itself
(folder, declared profile, testSet assertions, xmute processing instructions, invalid/INDEX.md).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from einvoice.rules.xrechnung import XR_CIUS_ID
from tests.paths import CORPUS_DIR

VALID_FOLDERS = ("xrechnung-ubl", "xrechnung-cii", "en16931-ubl", "en16931-cii", "zugferd-pdf")
VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
NOT_EN16931_PROFILES = {"MINIMUM", "BASIC-WL"}


def corpus_files(folder: str) -> list[Path]:
    base = CORPUS_DIR / folder
    if not base.is_dir():
        return []
    return sorted(p for p in base.rglob("*") if p.is_file() and p.suffix.lower() in {".xml", ".pdf"})


def rel(path: Path) -> str:
    return str(path.relative_to(CORPUS_DIR))


@dataclass(frozen=True)
class CenCase:
    file: Path
    index: int
    scope: str
    kind: str  # success / error / warning
    rule: str
    fragment: etree._Element


def cen_cases(path: Path) -> Iterator[CenCase]:
    root = etree.parse(str(path)).getroot()  # trusted corpus file (testSet container)
    scope_el = root.find(f"{VEFA}assert/{VEFA}scope")
    scope = (scope_el.text or "").strip() if scope_el is not None else ""
    for i, test in enumerate(root.findall(f"{VEFA}test")):
        assertion = test.find(f"{VEFA}assert")
        fragments = [c for c in test if isinstance(c.tag, str) and not c.tag.startswith(VEFA)]
        if assertion is None or not fragments:
            continue
        for child in assertion:
            kind = child.tag[len(VEFA) :] if isinstance(child.tag, str) else ""
            if kind in {"success", "error", "warning"}:
                yield CenCase(path, i, scope, kind, (child.text or "").strip(), fragments[0])


_ATTR = re.compile(r'([\w-]+)="([^"]*)"')


@dataclass(frozen=True)
class Mutation:
    """One KoSIT xmute mutation: which PI, what to do, which rules must pass/fail afterwards."""

    pi_index: int
    mutator: str
    attribute: str | None
    value: str | None
    valid: tuple[str, ...]
    invalid: tuple[str, ...]

    @property
    def label(self) -> str:
        what = f"{self.mutator}{'@' + self.attribute if self.attribute else ''}"
        return f"pi{self.pi_index}-{what}{'=' + self.value if self.value is not None else ''}"


def _rules(text: str | None) -> tuple[str, ...]:
    return tuple(r.split(":", 1)[-1] for r in (text or "").split())


def xmute_mutations(root: etree._Element) -> list[Mutation]:
    out: list[Mutation] = []
    for i, pi in enumerate(root.iter(etree.ProcessingInstruction)):
        if pi.target != "xmute":
            continue
        attrs = dict(_ATTR.findall(pi.text or ""))
        mutator = attrs.get("mutator", "identity")
        valid, invalid = _rules(attrs.get("schematron-valid")), _rules(attrs.get("schematron-invalid"))
        values = [v.strip() for v in attrs["values"].split(",")] if "values" in attrs else [None]
        for value in values:
            out.append(Mutation(i, mutator, attrs.get("attribute"), value, valid, invalid))
    return out


def _target(pi: etree._Element) -> etree._Element | None:
    node = pi.getnext()
    while node is not None and not isinstance(node.tag, str):
        node = node.getnext()
    return node


def apply_mutation(root: etree._Element, m: Mutation) -> bytes:
    """Serialised copy of the document with mutation ``m`` applied (placeholders replaced)."""
    doc = copy.deepcopy(root)
    pis = list(doc.iter(etree.ProcessingInstruction))
    target = _target(pis[m.pi_index])
    if target is not None and m.mutator != "identity":
        if m.mutator == "remove":
            if m.attribute:
                target.attrib.pop(m.attribute, None)
            else:
                target.getparent().remove(target)
        elif m.mutator == "empty":
            if m.attribute:
                target.set(m.attribute, "")
            else:
                target.text = ""
                for child in list(target):
                    target.remove(child)
        elif m.mutator == "code":
            if m.attribute:
                target.set(m.attribute, m.value or "")
            else:
                target.text = m.value
    data = etree.tostring(doc, xml_declaration=True, encoding="UTF-8")
    return data.replace(b"@xrechnung.spec.id@", XR_CIUS_ID.encode())
