"""xdomea Aussonderung (archive hand-over) messages.

Targets **xdomea 3.0.0** (namespace ``urn:xoev-de:xdomea:schema:3.0.0``; element names from the
KoSIT schema ``xdomea-Nachrichten-AussonderungDurchfuehren.xsd`` 3.0.0). Incoming messages of versions
2.3–3.1 are accepted as long as they use the same element names.
"""

from retention.xdomea.messages import (
    NS,
    XDOMEA_VERSION,
    Acknowledgement,
    Agency,
    Appraisal,
    AppraisalCode,
    AussonderungProcess,
    ImportConfirmation,
    ImportResult,
    OfferDocument,
    OfferObject,
    build_0501,
    build_0503,
    container_name,
    parse_message,
    read_container,
)

__all__ = [
    "NS",
    "XDOMEA_VERSION",
    "Acknowledgement",
    "Agency",
    "Appraisal",
    "AppraisalCode",
    "AussonderungProcess",
    "ImportConfirmation",
    "ImportResult",
    "OfferDocument",
    "OfferObject",
    "build_0501",
    "build_0503",
    "container_name",
    "parse_message",
    "read_container",
]
