"""Text extraction: PDFs with a text layer (pypdfium2), plain text, HTML, XML, e-mails with attachments."""

from __future__ import annotations

import email
import email.policy
import hashlib
import io
import re
import zipfile
from email.message import EmailMessage
from typing import Any

import pypdfium2 as pdfium
from lxml import etree
from lxml import html as lxml_html

from dms.pipeline.base import IngestContext, StepFailed

MAX_PDF_PAGES = 2000
MAX_TEXT_CHARS = 5_000_000
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def decode_text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for enc in ("utf-8", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def pdf_text(data: bytes) -> tuple[str, int]:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise StepFailed(f"the PDF cannot be read: {exc}") from exc
    try:
        n = len(pdf)
        parts: list[str] = []
        for i in range(min(n, MAX_PDF_PAGES)):
            page = pdf[i]
            tp = page.get_textpage()
            try:
                parts.append(tp.get_text_bounded())
            finally:
                tp.close()
                page.close()
        return "\n\f".join(parts).replace("\r\n", "\n"), n
    finally:
        pdf.close()


def html_text(data: bytes) -> str:
    parser = lxml_html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    try:
        root = lxml_html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        return ""
    for bad in root.xpath("//script|//style|//head/title/following-sibling::*[self::meta]"):
        bad.drop_tree()
    text = root.text_content()
    return re.sub(r"[ \t]+", " ", re.sub(r"\n\s*\n+", "\n\n", text)).strip()


def hardened_xml_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, dtd_validation=False
    )


def xml_text(data: bytes) -> str:
    """Text nodes of an XML file. DOCTYPEs are refused (no text extracted, no entity expansion)."""
    if _DOCTYPE.search(data[:4096]):
        raise StepFailed("XML with a DOCTYPE is refused")
    try:
        root = etree.fromstring(data, parser=hardened_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise StepFailed(f"the XML is not well-formed: {exc}") from exc
    return "\n".join(t.strip() for t in root.itertext() if t and t.strip())


def docx_text(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.getinfo("word/document.xml")
            if info.file_size > 50_000_000:
                return ""
            xml = z.read(info)
    except (KeyError, zipfile.BadZipFile):
        return ""
    try:
        root = etree.fromstring(xml, parser=hardened_xml_parser())
    except etree.XMLSyntaxError:
        return ""
    ns = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    paras = []
    for p in root.iter(f"{ns}p"):
        paras.append("".join(t.text or "" for t in p.iter(f"{ns}t")))
    return "\n".join(paras)


def text_of(data: bytes, mime: str) -> tuple[str, int | None]:
    """Text (and page count for PDFs) of one file by MIME type; unknown types give no text."""
    if mime == "application/pdf":
        return pdf_text(data)
    if mime in {"text/html", "application/xhtml+xml"}:
        return html_text(data), None
    if mime in {"application/xml", "text/xml"} or mime.endswith("+xml"):
        return xml_text(data), None
    if mime.startswith("text/") or mime in {"application/json", "application/csv"}:
        return decode_text(data), None
    if mime == "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
        return docx_text(data), None
    return "", None


def email_parts(data: bytes) -> tuple[str, list[dict[str, Any]], list[tuple[str, str, bytes]]]:
    """Body text, attachment descriptions and attachment payloads ``(filename, mime, bytes)``."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    header = "\n".join(f"{h}: {msg[h]}" for h in ("From", "To", "Subject", "Date") if msg[h])
    body_part = msg.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        content = body_part.get_content()
        body = html_text(content.encode()) if body_part.get_content_type() == "text/html" else str(content)
    payloads: list[tuple[str, str, bytes]] = []
    infos: list[dict[str, Any]] = []
    for part in msg.iter_attachments():
        raw = part.get_payload(decode=True)
        if not isinstance(raw, bytes):
            continue
        name = part.get_filename() or "attachment.bin"
        ctype = part.get_content_type()
        payloads.append((name, ctype, raw))
        infos.append({"filename": name, "mime_type": ctype, "size": len(raw), "sha256": hashlib.sha256(raw).hexdigest()})
    return f"{header}\n\n{body}".strip(), infos, payloads


class ExtractText:
    name = "extract_text"

    def __init__(self, store: Any | None = None) -> None:
        self.store = store  # where e-mail attachments are kept (content-addressed)

    def run(self, ctx: IngestContext) -> None:
        mime = ctx.mime_type or "application/octet-stream"
        if ctx.extras.get("ocr_text"):  # an OCR step already produced the text
            ctx.text = str(ctx.extras["ocr_text"])
            return
        if mime == "message/rfc822":
            body, infos, payloads = email_parts(ctx.data)
            texts = [body]
            for (name, ctype, raw), info in zip(payloads, infos, strict=True):
                if self.store is not None:
                    self.store.put(raw)
                try:
                    t, _ = text_of(raw, ctype)
                except StepFailed as exc:
                    ctx.warnings.append(f"attachment {name}: {exc}")
                    t = ""
                info["text_chars"] = len(t)
                if t:
                    texts.append(f"--- {name} ---\n{t}")
            ctx.attachments = infos
            ctx.text = "\n\n".join(texts)
        else:
            ctx.text, pages = text_of(ctx.data, mime)
            if pages is not None:
                ctx.page_count = pages
        ctx.text = ctx.text.replace("\x00", "")[:MAX_TEXT_CHARS]
