"""ZUGFeRD 1.0 (CrossIndustryDocument) → model, for display (placeholder, replaced below)."""

from __future__ import annotations

from lxml import etree

from einvoice.domain.model import Invoice
from einvoice.syntax._common import Reader


def read_zugferd1(root: etree._Element, reader: Reader | None = None) -> tuple[Invoice, Reader]:
    return Invoice(), reader or Reader()
