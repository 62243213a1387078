"""Shared reading helpers for the syntax parsers (fast child lookup, exact decimals, strict dates)."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from lxml import etree

from einvoice.syntax.parsed import Locations, ParseProblem

if TYPE_CHECKING:
    from einvoice.rules.base import Ctx

__all__ = ["Reader", "find", "findall", "findtext", "index"]

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)\Z")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATE_102 = re.compile(r"\d{8}\Z")

Kids = dict[object, list[etree._Element]]


def index(el: etree._Element) -> Kids:
    """Children of ``el`` grouped by tag (one pass; lookups are then O(1))."""
    out: Kids = {}
    for child in el.getchildren():  # a list built in C: cheaper than lxml's child iterator object
        tag = child.tag
        lst = out.get(tag)
        if lst is None:
            out[tag] = [child]
        else:
            lst.append(child)
    return out


def first(kids: Kids, tag: str) -> etree._Element | None:
    lst = kids.get(tag)
    return lst[0] if lst else None


def text_of(el: etree._Element | None) -> str | None:
    """Stripped text of an element; '' for an empty element, None for an absent one."""
    if el is None:
        return None
    t = el.text
    return t.strip() if t else ""


class Reader:
    """Reads values while recording locations and problems (never raises on bad values)."""

    __slots__ = ("_add", "locations", "problems")

    def __init__(self) -> None:
        self.locations = Locations()
        self.problems: list[ParseProblem] = []
        self._add = self.locations.add  # bound once: recording is the most frequent call while reading

    def text(self, kids: Kids, tag: str, term: str, obj: object | None = None, *, raw: bool = False) -> str | None:
        """Stripped text of the first ``tag`` child ('' when empty, None when absent); ``raw`` keeps it as written."""
        lst = kids.get(tag)
        if not lst:
            return None
        el = lst[0]
        self._add(term, el, obj)
        t = el.text
        if raw:
            return t or ""
        return t.strip() if t else ""

    def el_text(self, el: etree._Element | None, term: str, obj: object | None = None) -> str | None:
        if el is None:
            return None
        self._add(term, el, obj)
        t = el.text
        return t.strip() if t else ""

    def decimal(self, el: etree._Element | None, term: str, obj: object | None = None) -> Decimal | None:
        """Exact decimal as written (keeps trailing zeros); bad text → None + a problem."""
        if el is None:
            return None
        self._add(term, el, obj)
        raw = el.text
        t = raw.strip() if raw else ""
        if _DECIMAL.match(t):
            try:
                return Decimal(t)
            except InvalidOperation:  # pragma: no cover - regex guarantees a valid literal
                pass
        self.problems.append(ParseProblem(term, f"not a decimal number: {t!r}", t, el))
        return None

    def dec(self, kids: Kids, tag: str, term: str, obj: object | None = None) -> Decimal | None:
        lst = kids.get(tag)
        return self.decimal(lst[0], term, obj) if lst else None

    def iso_date(self, el: etree._Element | None, term: str, obj: object | None = None) -> date | None:
        """A UBL date ``YYYY-MM-DD``."""
        if el is None:
            return None
        self._add(term, el, obj)
        t = (el.text or "").strip()
        if _ISO_DATE.match(t):
            try:
                return date.fromisoformat(t)
            except ValueError:
                pass
        self.problems.append(ParseProblem(term, f"not a date YYYY-MM-DD: {t!r}", t, el))
        return None

    def date_102(self, el: etree._Element | None, term: str, obj: object | None = None) -> date | None:
        """A CII date string element (``udt:DateTimeString``/``udt:DateString``/``qdt:…``) ``format="102"``."""
        if el is None:
            return None
        self._add(term, el, obj)
        t = (el.text or "").strip()
        fmt = el.get("format")
        if (fmt is None or fmt == "102") and _DATE_102.match(t):
            try:
                return date(int(t[:4]), int(t[4:6]), int(t[6:8]))
            except ValueError:
                pass
        self.problems.append(ParseProblem(term, f"not a date in format 102 (CCYYMMDD): {t!r} format={fmt!r}", t, el))
        return None

    def b64(self, el: etree._Element, term: str, obj: object | None = None) -> str:
        """Base64 text of a binary object element (decoded lazily by the model)."""
        self._add(term, el, obj)
        return el.text or ""

    def binary(self, el: etree._Element, term: str, obj: object | None = None) -> bytes:
        """Base64 content of a binary object element; bad base64 → b'' + a problem."""
        self._add(term, el, obj)
        raw = el.text or ""
        try:
            return base64.b64decode("".join(raw.split()), validate=True)
        except (binascii.Error, ValueError):
            self.problems.append(ParseProblem(term, "attachment is not valid base64", None, el))
            return b""


# Child-path lookups without lxml's ElementPath engine (a generator chain per call): ``findall(el, path)``
# equals ``el.findall(path)`` for paths of child steps in Clark notation (``{ns}A/{*}B/C``), the only
# kind the rules use; each step is lxml's C-level ``iterchildren(tag)``.
_STEP = re.compile(r"(?:\{[^}]*\})?[^/{]+")
_PATHS: dict[str, tuple[str, ...]] = {}


def _path_steps(path: str) -> tuple[str, ...]:
    steps = _PATHS.get(path)
    if steps is None:
        steps = tuple(_STEP.findall(path))
        if "/".join(steps) != path or any(s[:1] in (".", "*") or "[" in s or "@" in s for s in steps):
            raise ValueError(f"not a child path: {path!r}")
        if len(_PATHS) >= 4096:  # bounded: start over rather than stop caching
            _PATHS.clear()
        _PATHS[path] = steps
    return steps


def _children(el: etree._Element, step: str) -> list[etree._Element]:
    if step[0] == "{":
        if step[1] == "*":  # any namespace or none: lxml's own matcher
            return list(el.iterchildren(step))
        if step[1] == "}":  # ``{}name``: no namespace
            step = step[2:]
    # an exact tag: compare the (cached) tag strings of the children, no matcher object per call
    return [c for c in el.getchildren() if c.tag == step]


def findall(el: etree._Element, path: str) -> list[etree._Element]:
    """``el.findall(path)`` for a path of child steps."""
    steps = _path_steps(path)
    found = _children(el, steps[0])
    for tag in steps[1:]:
        if not found:
            break
        found = [c for parent in found for c in _children(parent, tag)]
    return found


def find(el: etree._Element, path: str) -> etree._Element | None:
    """``el.find(path)`` for a path of child steps."""
    found = findall(el, path)
    return found[0] if found else None


def findtext(el: etree._Element, path: str) -> str | None:
    """``el.findtext(path)``: the text of the first match ('' when it has none), None without a match."""
    found = find(el, path)
    if found is None:
        return None
    return found.text or ""


class OncePerContext:
    """Reports table rule ``<prefix>-<number>`` once per context (the document, or one invoice line), as the
    schematron does; ``skip`` names rules another check reports instead."""

    __slots__ = ("ctx", "prefix", "seen", "skip")

    def __init__(self, ctx: Ctx, prefix: str, skip: frozenset[int] = frozenset()) -> None:
        self.ctx = ctx
        self.prefix = prefix
        self.skip = skip
        self.seen: set[tuple[int, int]] = set()

    def __call__(self, number: int, el: etree._Element, context: int) -> None:
        key = (number, context)
        if key in self.seen or number in self.skip:
            return
        self.seen.add(key)
        self.ctx.fail(f"{self.prefix}-{number:03d}", location=self.ctx.xpath(el))
