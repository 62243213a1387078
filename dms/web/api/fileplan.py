"""File plan, Akten, Vorgänge, document types, access grants."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from dms.domain.principal import Principal
from dms.services import documents as docs
from dms.services import fileplan as svc
from dms.web.api.schemas import (
    AkteIn,
    AkteOut,
    AkteUpdate,
    DocumentTypeIn,
    DocumentTypeOut,
    GrantIn,
    NodeIn,
    NodeOut,
    NodeUpdate,
    VorgangIn,
    VorgangOut,
)
from dms.web.deps import ContainerDep, ReadSession, Uow, require

router = APIRouter(prefix="/api/v1", tags=["file plan"])


@router.get("/fileplan", response_model=list[NodeOut])
def list_nodes(principal: Annotated[Principal, require("fileplan:read")], session: ReadSession,
               include_deprecated: bool = True) -> list[NodeOut]:
    return [NodeOut.of(n) for n in svc.list_nodes(session, include_deprecated)]


@router.post("/fileplan", status_code=201, response_model=NodeOut)
def create_node(body: NodeIn, principal: Annotated[Principal, require("fileplan:write")], uow: Uow) -> NodeOut:
    node = svc.create_node(uow.session, principal, **body.model_dump())
    uow.commit()
    return NodeOut.of(node)


@router.get("/fileplan/{node_id}", response_model=NodeOut)
def get_node(node_id: int, principal: Annotated[Principal, require("fileplan:read")], session: ReadSession) -> NodeOut:
    return NodeOut.of(svc.get_node(session, node_id))


@router.patch("/fileplan/{node_id}", response_model=NodeOut)
def update_node(node_id: int, body: NodeUpdate, principal: Annotated[Principal, require("fileplan:write")],
                uow: Uow) -> NodeOut:
    node = svc.update_node(uow.session, principal, node_id, body.model_dump(exclude_unset=True))
    uow.commit()
    return NodeOut.of(node)


@router.get("/fileplan/{node_id}/history", response_model=list[NodeOut])
def node_history(node_id: int, principal: Annotated[Principal, require("fileplan:read")],
                 session: ReadSession) -> list[NodeOut]:
    return [NodeOut.of(v) for v in svc.node_history(session, node_id)]


@router.get("/akten", response_model=list[AkteOut])
def list_akten(principal: Annotated[Principal, require("akten:read")], session: ReadSession,
               limit: Annotated[int, Query(ge=1, le=500)] = 100,
               offset: Annotated[int, Query(ge=0)] = 0) -> list[AkteOut]:
    return [AkteOut.of(a) for a in svc.list_akten(session, principal, limit, offset)]


@router.post("/akten", status_code=201, response_model=AkteOut)
def create_akte(body: AkteIn, principal: Annotated[Principal, require("akten:write")], container: ContainerDep,
                uow: Uow) -> AkteOut:
    akte = svc.create_akte(uow.session, principal, container.settings.aktenzeichen_pattern, body.fileplan_node_id,
                           body.title, body.department, body.year, body.retention_class)
    uow.commit()
    return AkteOut.of(akte)


@router.get("/akten/{akte_id}", response_model=AkteOut)
def get_akte(akte_id: int, principal: Annotated[Principal, require("akten:read")], session: ReadSession) -> AkteOut:
    return AkteOut.of(svc.get_akte(session, principal, akte_id))


@router.patch("/akten/{akte_id}", response_model=AkteOut)
def update_akte(akte_id: int, body: AkteUpdate, principal: Annotated[Principal, require("akten:write")],
                uow: Uow) -> AkteOut:
    akte = svc.update_akte(uow.session, principal, akte_id, body.model_dump(exclude_unset=True))
    uow.commit()
    return AkteOut.of(akte)


@router.post("/akten/{akte_id}/close", response_model=AkteOut, summary="zdA: close and freeze the Akte")
def close_akte(akte_id: int, principal: Annotated[Principal, require("akten:close")], uow: Uow) -> AkteOut:
    akte = svc.close_akte(uow.session, principal, akte_id)
    uow.commit()
    return AkteOut.of(akte)


@router.get("/akten/{akte_id}/vorgaenge", response_model=list[VorgangOut])
def list_vorgaenge(akte_id: int, principal: Annotated[Principal, require("akten:read")],
                   session: ReadSession) -> list[VorgangOut]:
    return [VorgangOut.of(v) for v in svc.list_vorgaenge(session, principal, akte_id)]


@router.post("/akten/{akte_id}/vorgaenge", status_code=201, response_model=VorgangOut)
def create_vorgang(akte_id: int, body: VorgangIn, principal: Annotated[Principal, require("akten:write")],
                   uow: Uow) -> VorgangOut:
    v = svc.create_vorgang(uow.session, principal, akte_id, body.title)
    uow.commit()
    return VorgangOut.of(v)


@router.get("/vorgaenge/{vorgang_id}", response_model=VorgangOut)
def get_vorgang(vorgang_id: int, principal: Annotated[Principal, require("akten:read")],
                session: ReadSession) -> VorgangOut:
    return VorgangOut.of(svc.get_vorgang(session, principal, vorgang_id))


@router.post("/vorgaenge/{vorgang_id}/close", response_model=VorgangOut)
def close_vorgang(vorgang_id: int, principal: Annotated[Principal, require("akten:close")], uow: Uow) -> VorgangOut:
    v = svc.close_vorgang(uow.session, principal, vorgang_id)
    uow.commit()
    return VorgangOut.of(v)


@router.get("/document-types", response_model=list[DocumentTypeOut])
def list_document_types(principal: Annotated[Principal, require("documents:read")],
                        session: ReadSession) -> list[DocumentTypeOut]:
    return [DocumentTypeOut.of(t) for t in svc.list_document_types(session)]


@router.post("/document-types", status_code=201, response_model=DocumentTypeOut)
def create_document_type(body: DocumentTypeIn, principal: Annotated[Principal, require("document_types:write")],
                         uow: Uow) -> DocumentTypeOut:
    t = svc.create_document_type(uow.session, principal, body.name, body.title,
                                 [f.model_dump() for f in body.fields], body.retention_class)
    uow.commit()
    return DocumentTypeOut.of(t)


@router.post("/grants", status_code=204)
def add_grant(body: GrantIn, principal: Annotated[Principal, require("grants:write")], uow: Uow) -> Response:
    docs.grant(uow.session, principal, body.object_type, body.object_id, body.grantee)
    uow.commit()
    return Response(status_code=204)


@router.delete("/grants", status_code=204)
def remove_grant(principal: Annotated[Principal, require("grants:write")], uow: Uow,
                 object_type: str, object_id: int, grantee: str) -> Response:
    docs.revoke_grant(uow.session, principal, object_type, object_id, grantee)
    uow.commit()
    return Response(status_code=204)
