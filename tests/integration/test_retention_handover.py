"""Archive hand-over end to end: 0501 offer → 0502 appraisal → 0503 transfer → 0506 confirmation →
four-eyes disposal of what the archive took or rejected; nothing is destroyed before the archive answered."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from dms.errors import ValidationFailed
from dms.retention_service import approve, execute_disposal, retention_info
from dms.retention_xdomea import build_transfer, create_offer, import_message, object_id
from dms.services import fileplan
from retention.xdomea import NS
from tests.integration.test_retention_support import OLD, Env, make_env

X = f"{{{NS}}}"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    with make_env(tmp_path) as e:
        yield e


def _msg(local: str, pid: str, body: str) -> bytes:
    return (
        f'<x:{local} xmlns:x="{NS}"><x:Kopf><x:ProzessID>{pid}</x:ProzessID></x:Kopf>{body}</x:{local}>'
    ).encode()


def test_handover_flow(env: Env) -> None:
    rm1, rm2 = env.users["rm1"], env.users["rm2"]
    with env.container.uow() as uow:
        node = fileplan.create_node(uow.session, rm1, "022.31", "Beschaffung", retention_class="ao147-briefe")
        akte = fileplan.create_akte(
            uow.session, rm1, "{plan}-{year}/{seq:04d}", int(node.id or 0), "Feuerwehr", year=2010
        )
        uow.commit()
        akte_id = int(akte.id or 0)
    in_akte = env.doc(
        b"%PDF akte doc",
        document_date=OLD.isoformat(),
        akte_id=akte_id,
        title="Angebot",
        filename="angebot.pdf",
    )
    loose = env.doc(
        b"loose letter", document_date=OLD.isoformat(), retention_class="ao147-briefe", title="Brief"
    )
    young = env.doc(b"young", document_date="2026-01-01", retention_class="ao147-briefe")

    with env.container.uow() as uow:
        with pytest.raises(ValidationFailed, match="not due"):
            create_offer(uow.session, env.settings, rm1, OLD.replace(year=2026), [young])
        row, name, xml = create_offer(
            uow.session, env.settings, rm1, OLD.replace(year=2026), [in_akte, loose]
        )
        uow.commit()
        pid = row.process_id
    assert name == f"{pid}_Aussonderung.Anbieteverzeichnis.0501.xml"
    root = etree.fromstring(xml)
    assert root.find(f"{X}Kopf/{X}ProzessID").text == pid
    akte_obj, doc_obj = object_id("akte", akte_id), object_id("document", loose)
    offered = {e.text for e in root.iterfind(f"{X}Schriftgutobjekt/*/{X}Identifikation/{X}ID")}
    assert offered == {akte_obj, doc_obj}

    appraisal = "".join(
        f"<x:BewertetesObjekt><x:ID>{oid}</x:ID><x:Aussonderungsart><x:Aussonderungsart><code>{code}</code>"
        "</x:Aussonderungsart></x:Aussonderungsart></x:BewertetesObjekt>"
        for oid, code in ((akte_obj, "A"), (doc_obj, "V"))
    )
    with env.container.uow() as uow:
        out = import_message(
            uow.session, env.settings, rm1, _msg("Aussonderung.Bewertungsverzeichnis.0502", pid, appraisal)
        )
        uow.commit()
    assert (
        out["to_transfer"] == [akte_obj] and "disposal_id" not in out
    )  # V waits for the archive's confirmation

    with env.container.uow() as uow:
        zname, data = build_transfer(env.container, uow.session, env.settings, rm1, pid)
        uow.commit()
    assert zname == f"{pid}_Aussonderung.Aussonderung.0503.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        assert f"{pid}_Aussonderung.Aussonderung.0503.xml" in names
        assert zf.read(f"{object_id('document', in_akte)}_angebot.pdf") == b"%PDF akte doc"

    confirm = f"<x:AusgesondertesSGO><x:IDSGO>{akte_obj}</x:IDSGO><x:Erfolgreich>1</x:Erfolgreich></x:AusgesondertesSGO>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            f"{pid}_Aussonderung.AussonderungImportBestaetigen.0506.xml",
            _msg("Aussonderung.AussonderungImportBestaetigen.0506", pid, confirm),
        )
    with env.container.uow() as uow:
        out = import_message(uow.session, env.settings, rm1, buf.getvalue())
        uow.commit()
    disposal = out["disposal_id"]
    with env.container.uow() as uow:
        approve(uow.session, rm2, disposal)
        uow.commit()
    result = execute_disposal(env.container, env.settings, rm2, disposal)
    assert result["completed"] and sorted(result["done"]) == sorted([str(in_akte), str(loose)])
    with env.container.uow(read_only=True) as uow:
        assert retention_info(uow.session, env.settings, rm1, young)["status"] == "keep"
        assert retention_info(uow.session, env.settings, rm1, loose)["status"] == "disposed"
    with env.container.uow() as uow, pytest.raises(ValidationFailed):
        import_message(uow.session, env.settings, rm1, b"<!DOCTYPE x [<!ENTITY e 'x'>]><x>&e;</x>")
