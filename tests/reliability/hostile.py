"""Hostile inputs, shared by the tests and ``bench/faults.py`` (which counts them)."""

from __future__ import annotations

import io
import zipfile
import zlib
from functools import lru_cache

UBL = b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'

XML_ATTACKS: dict[str, bytes] = {
    "xxe-file": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                + UBL + b"<cbc:ID>&x;</cbc:ID></Invoice>",
    "xxe-parameter": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
                     + UBL + b"</Invoice>",
    "external-dtd": b'<?xml version="1.0"?><!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/evil.dtd">' + UBL
                    + b"</Invoice>",
    "billion-laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                      + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                                 for i in range(1, 10))
                      + b"]>" + UBL + b"<x>&lol9;</x></Invoice>",
    "quadratic-blowup": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "' + b"A" * 50_000 + b'">]>' + UBL
                        + b"<x>" + b"&a;" * 50_000 + b"</x></Invoice>",
    "deep-nesting": UBL + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</Invoice>",
    "doctype-in-utf16": ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x SYSTEM '
                         '"file:///etc/passwd">]><Invoice>&x;</Invoice>').encode("utf-16"),
    "xinclude": UBL[:-1] + b' xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" '
                b'parse="text"/></Invoice>',
}

#: text that must never appear in an answer (it would mean a local file was read)
LEAK_MARKERS = (b"root:x:0:0", b"/bin/bash", b"daemon:")


@lru_cache(maxsize=8)
def zip_bomb(inflated_mb: int = 1024, members: int = 1, name: str = "word/document.xml") -> bytes:
    """A ZIP whose member(s) inflate to ``inflated_mb`` MB of zeros (a few hundred KB on the wire)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for m in range(members):
            with z.open(name if members == 1 else f"{m}-{name}", "w", force_zip64=True) as f:
                block = b"\0" * (1024 * 1024)
                for _ in range(inflated_mb):
                    f.write(block)
    return buf.getvalue()


def many_member_zip(members: int = 3000) -> bytes:
    """A ZIP with thousands of tiny members (member-count exhaustion)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for m in range(members):
            z.writestr(f"{m}.xml", b"<x/>")
    return buf.getvalue()


@lru_cache(maxsize=4)
def pdf_bomb(inflated_mb: int = 1024) -> bytes:
    """A one-page PDF whose content stream inflates to ``inflated_mb`` MB of drawing operators."""
    co = zlib.compressobj(1)
    chunk = b"0 0 m\n" * (1024 * 1024 // 6)
    stream = b"".join(co.compress(chunk) for _ in range(inflated_mb)) + co.flush()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    out, offsets = b"%PDF-1.4\n", []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)


#: (name, raw body, content-type header) — broken multipart requests
def malformed_multipart() -> list[tuple[str, bytes, str]]:
    b = "XyZbOuNdArY"
    part = (f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
            'Content-Type: application/pdf\r\n\r\n%PDF-1.4 hello\r\n')
    return [
        ("no-boundary-param", part.encode() + f"--{b}--\r\n".encode(), "multipart/form-data"),
        ("wrong-boundary", part.encode() + f"--{b}--\r\n".encode(), "multipart/form-data; boundary=other"),
        ("truncated", part.encode()[:60], f"multipart/form-data; boundary={b}"),
        ("no-closing-boundary", part.encode(), f"multipart/form-data; boundary={b}"),
        ("garbage", b"\x00\xff" * 5000, f"multipart/form-data; boundary={b}"),
        ("empty", b"", f"multipart/form-data; boundary={b}"),
        ("no-disposition", f"--{b}\r\nContent-Type: text/plain\r\n\r\nhi\r\n--{b}--\r\n".encode(),
         f"multipart/form-data; boundary={b}"),
        ("field-not-file", f'--{b}\r\nContent-Disposition: form-data; name="file"\r\n\r\nhi\r\n--{b}--\r\n'.encode(),
         f"multipart/form-data; boundary={b}"),
        ("huge-header", f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="{"a" * 200_000}.pdf"\r\n\r\n'
         f"x\r\n--{b}--\r\n".encode(), f"multipart/form-data; boundary={b}"),
        ("many-parts", "".join(f'--{b}\r\nContent-Disposition: form-data; name="f{i}"\r\n\r\nx\r\n'
                               for i in range(5000)).encode() + f"--{b}--\r\n".encode(),
         f"multipart/form-data; boundary={b}"),
        ("json-instead", b'{"file": "x"}', "application/json"),
    ]


HOSTILE_NAMES = [
    "../../../../etc/passwd.pdf", "..\\..\\windows\\win.ini.pdf", "/etc/shadow.pdf", "C:\\boot.ini.pdf",
    "a\x00b.pdf", "rechnung\r\nSet-Cookie: stolen=1.pdf", "rechnung\r\n\r\n<script>.pdf", ".htaccess.pdf",
    "%2e%2e%2fpasswd.pdf", "\u202egnp.pdf", "x" * 5000 + ".pdf", "....//....//x.pdf", "CON.pdf",
]
