"""The result of reading an invoice: model + syntax facts + where each term was read."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from lxml import etree

from einvoice.domain.model import Invoice
from einvoice.syntax.namespaces import PREFIXES

__all__ = ["Locations", "ParseProblem", "ParsedInvoice", "Profile", "Syntax", "xpath_of"]

Syntax = Literal["UBL-Invoice", "UBL-CreditNote", "CII", "ZUGFeRD-1.0-CII"]
#: ``XRECHNUNG``, ``XRECHNUNG-EXTENSION``, ``EN16931``, ``BASIC``, ``BASIC-WL``, ``MINIMUM``, ``EXTENDED``,
#: ``PEPPOL-BIS-3``, ``ZUGFERD-1.0-BASIC``/``-COMFORT``/``-EXTENDED`` or ``UNKNOWN``
Profile = str


def xpath_of(el: etree._Element) -> str:
    """A readable absolute XPath with canonical prefixes and 1-based positions where ambiguous.

    ``/ubl:Invoice/cac:InvoiceLine[2]/cbc:ID``; attributes are addressed by the caller (``/@schemeID``).
    """
    parts: list[str] = []
    node: etree._Element | None = el
    while node is not None:
        tag = node.tag
        if not isinstance(tag, str):
            node = node.getparent()
            continue
        if tag[0] == "{":
            ns, local = tag[1:].split("}", 1)
            prefix = PREFIXES.get(ns)
            name = f"{prefix}:{local}" if prefix else f"*:{local}"
        else:
            name = tag
        parent = node.getparent()
        if parent is not None:
            same = list(parent.iterchildren(tag))
            if len(same) > 1:
                name = f"{name}[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts))


class Locations:
    """Where terms and model objects were read: ``BT id`` / model object → element → XPath.

    Paths are computed lazily from the recorded elements, so recording costs a dict insert.

    - ``path("BT-1")`` → XPath of the (first) element BT-1 was read from, or None;
    - ``path("BT-126", line)`` → XPath of BT-126 of that particular line object;
    - ``of(line)`` → XPath of the element a model object (line, party, VAT breakdown …) was read from;
    - ``paths("BT-131")`` → all XPaths of a repeated term, document order.
    """

    __slots__ = ("_alive", "_by_obj", "_objects", "_terms")

    def __init__(self) -> None:
        self._terms: dict[str, list[etree._Element]] = {}  # term -> elements in reading order
        self._by_obj: dict[int, dict[str, etree._Element]] = {}  # id(obj) -> term -> first element
        self._objects: dict[int, etree._Element] = {}  # id(obj) -> group element
        # keeps every keyed object alive, so an ``id()`` can never be reused by another object
        self._alive: dict[int, object] = {}

    # recording (parsers) -------------------------------------------------------------------------
    def add(self, term: str, el: etree._Element, obj: object | None = None) -> None:
        """Record that ``term`` (of model object ``obj``, if given) was read from ``el``."""
        lst = self._terms.get(term)
        if lst is None:
            self._terms[term] = [el]
        else:
            lst.append(el)
        if obj is not None:
            key = id(obj)
            terms = self._by_obj.get(key)
            if terms is None:
                self._by_obj[key] = {term: el}
                self._alive[key] = obj
            elif term not in terms:
                terms[term] = el

    def bind(self, obj: object, el: etree._Element) -> None:
        """Record the element a model object (group) was read from."""
        key = id(obj)
        self._objects[key] = el
        self._alive[key] = obj

    def remap(self, mapping: dict[etree._Element, etree._Element]) -> None:
        """Replace recorded elements by their counterparts (used when reading a renamed copy)."""
        for term, lst in self._terms.items():
            self._terms[term] = [mapping.get(el, el) for el in lst]
        for terms in self._by_obj.values():
            for term, el in terms.items():
                terms[term] = mapping.get(el, el)
        for key, el in self._objects.items():
            self._objects[key] = mapping.get(el, el)

    def merge(self, other: Locations) -> None:
        """Add everything recorded in ``other``."""
        for term, lst in other._terms.items():
            self._terms.setdefault(term, []).extend(lst)
        for key, terms in other._by_obj.items():
            mine = self._by_obj.setdefault(key, {})
            for term, el in terms.items():
                mine.setdefault(term, el)
        self._objects.update(other._objects)
        self._alive.update(other._alive)

    # querying (rules) ----------------------------------------------------------------------------
    def element(self, term: str, obj: object | None = None) -> etree._Element | None:
        """The element ``term`` was read from (for ``obj`` if given; O(1))."""
        if obj is None:
            lst = self._terms.get(term)
            return lst[0] if lst else None
        terms = self._by_obj.get(id(obj))
        return terms.get(term) if terms is not None else None

    def path(self, term: str, obj: object | None = None) -> str | None:
        """XPath of the element ``term`` was read from (for ``obj`` if given), or None."""
        el = self.element(term, obj)
        return xpath_of(el) if el is not None else None

    def paths(self, term: str) -> list[str]:
        """XPaths of every occurrence of ``term``."""
        return [xpath_of(el) for el in self._terms.get(term, ())]

    def of(self, obj: object) -> str | None:
        """XPath of the element a model object was read from, or None."""
        el = self._objects.get(id(obj))
        return xpath_of(el) if el is not None else None

    def element_of(self, obj: object) -> etree._Element | None:
        """The element a model object was read from, or None."""
        return self._objects.get(id(obj))

    def terms(self) -> Iterator[str]:
        """The BT/BG ids recorded."""
        return iter(self._terms)

    def __contains__(self, term: object) -> bool:
        return term in self._terms

    def __len__(self) -> int:
        return len(self._terms)


@dataclass(slots=True)
class ParseProblem:
    """A value present in the XML that could not be read into the model (bad number, bad date …).

    Parsing never fails on these; the rules turn them into findings (schema/datatype errors).
    """

    term: str  #: BT id (or element name) concerned
    message: str
    value: str | None = None
    element: etree._Element | None = None

    @property
    def xpath(self) -> str | None:
        return xpath_of(self.element) if self.element is not None else None


_XR_VERSION = re.compile(r"xrechnung_(\d+\.\d+)")


@dataclass(slots=True)
class ParsedInvoice:
    """An invoice read from XML or PDF."""

    invoice: Invoice
    syntax: Syntax
    specification: str | None  #: BT-24 as written
    profile: Profile
    xml: bytes  #: the XML as received (for PDFs: the embedded file)
    root: etree._Element  #: lxml root element, for syntax-binding rules
    source: Literal["xml", "pdf"] = "xml"
    pdf_filename: str | None = None  #: name of the embedded XML file inside a PDF
    #: Factur-X/PDF-A facts from the PDF's XMP (``conformance_level``, ``document_file_name``, ``version``,
    #: ``document_type``, ``pdfa_part``, ``pdfa_conformance``; ``error`` if unreadable); empty for XML
    pdf_xmp: dict[str, str] = field(default_factory=dict)
    locations: Locations = field(default_factory=Locations)
    problems: list[ParseProblem] = field(default_factory=list)
    #: the tree's element proxies, held so lxml hands the same objects (with their computed ``tag``
    #: strings) to every later pass instead of building new ones per pass (bounded, see ``reading``)
    elements: list[etree._Element] = field(default_factory=list, repr=False, compare=False)

    @property
    def is_xrechnung(self) -> bool:
        return self.profile in ("XRECHNUNG", "XRECHNUNG-EXTENSION")

    @property
    def xrechnung_version(self) -> str | None:
        """``"3.0"``, ``"2.1"``, ``"1.2"`` … from BT-24, or None when not an XRechnung."""
        if not self.specification:
            return None
        m = _XR_VERSION.search(self.specification)
        return m.group(1) if m else None

    @property
    def is_en16931(self) -> bool:
        """True when the profile claims an EN 16931 compliant invoice (not MINIMUM/BASIC WL/ZUGFeRD 1)."""
        return self.profile in ("XRECHNUNG", "XRECHNUNG-EXTENSION", "EN16931", "BASIC", "EXTENDED", "PEPPOL-BIS-3")
