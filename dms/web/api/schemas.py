"""Wire shapes of the API (pydantic). Row → schema translation lives here and nowhere else."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from dms.db.tables import (
    Akte,
    ApiToken,
    AuditEntry,
    Document,
    DocumentMetadataVersion,
    DocumentType,
    DocumentVersion,
    FilePlanNode,
    FilePlanNodeVersion,
    FilingHistory,
    User,
    Vorgang,
)
from dms.services.access import acl_of


def _known_retention_class(value: str | None) -> str | None:
    """Refuse (422) a retention class id that is not configured, before anything is stored."""
    if value:
        from dms.errors import ValidationFailed  # noqa: PLC0415
        from dms.retention_service import validate_retention_class  # noqa: PLC0415
        from dms.retention_settings import RetentionSettings  # noqa: PLC0415

        try:
            validate_retention_class(RetentionSettings(), value)
        except ValidationFailed as exc:
            raise ValueError(str(exc)) from exc
    return value


#: a configured retention class id (column width 64)
RetentionClassId = Annotated[str | None, Field(max_length=64), AfterValidator(_known_retention_class)]
Title = Annotated[str, Field(min_length=1, max_length=300)]
Department = Annotated[str | None, Field(max_length=64)]


class Created(BaseModel):
    id: int


class UploadAccepted(BaseModel):
    id: int
    status: str = "processing"
    sha256: str
    size: int
    duplicate_of: list[int] = Field(default_factory=list, description="Earlier documents with identical bytes")


class DocumentOut(BaseModel):
    id: int
    title: str
    filename: str
    mime_type: str | None
    size: int
    sha256: str
    status: str
    failure_reason: str | None
    document_type: str | None
    correspondent: str | None
    tags: list[str]
    document_date: date | None
    department: str | None
    custom_fields: dict[str, Any]
    retention_class: str | None
    asn: str | None
    akte_id: int | None
    vorgang_id: int | None
    channel: str
    uploader_id: int | None
    received_at: datetime
    processed_at: datetime | None
    current_version: int
    metadata_version: int
    page_count: int | None
    has_thumbnail: bool
    finalised: bool
    finalised_at: datetime | None
    acl: list[str]
    #: SHA-256 of the PDF/A archive copy (scans, OCR) of the current version, beside the original's ``sha256``
    archive_sha256: str | None = None

    @classmethod
    def of(cls, d: Document, archive_sha256: str | None = None) -> DocumentOut:
        return cls(
            id=int(d.id or 0), title=d.title, filename=d.filename, mime_type=d.mime_type, size=d.size,
            sha256=d.sha256, status=d.status, failure_reason=d.failure_reason, document_type=d.document_type,
            correspondent=d.correspondent, tags=list(d.tags or []), document_date=d.document_date,
            department=d.department, custom_fields=dict(d.custom_fields or {}), retention_class=d.retention_class,
            asn=d.asn, akte_id=d.akte_id, vorgang_id=d.vorgang_id, channel=d.channel, uploader_id=d.uploader_id,
            received_at=d.received_at, processed_at=d.processed_at, current_version=d.current_version,
            metadata_version=d.metadata_version, page_count=d.page_count, has_thumbnail=bool(d.thumbnail_sha256),
            finalised=d.finalised, finalised_at=d.finalised_at, acl=acl_of(d), archive_sha256=archive_sha256,
        )


class DocumentList(BaseModel):
    total: int
    items: list[DocumentOut]


class MetadataUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, max_length=500)
    document_type: str | None = Field(default=None, max_length=64)
    correspondent: str | None = Field(default=None, max_length=300)
    tags: list[str] | None = None
    document_date: date | None = None
    department: str | None = Field(default=None, max_length=64)
    custom_fields: dict[str, Any] | None = None
    retention_class: RetentionClassId = None
    asn: str | None = Field(default=None, max_length=64)


class VersionOut(BaseModel):
    version_no: int
    sha256: str
    size: int
    filename: str
    mime_type: str | None
    comment: str | None
    created_at: datetime
    created_by: int | None

    @classmethod
    def of(cls, v: DocumentVersion) -> VersionOut:
        return cls(version_no=v.version_no, sha256=v.sha256, size=v.size, filename=v.filename,
                   mime_type=v.mime_type, comment=v.comment, created_at=v.created_at, created_by=v.created_by)


class MetadataVersionOut(BaseModel):
    metadata_version: int
    data: dict[str, Any]
    changed_at: datetime
    changed_by: int | None

    @classmethod
    def of(cls, m: DocumentMetadataVersion) -> MetadataVersionOut:
        return cls(metadata_version=m.metadata_version, data=m.data, changed_at=m.changed_at, changed_by=m.changed_by)


class FilingOut(BaseModel):
    from_akte_id: int | None
    from_vorgang_id: int | None
    to_akte_id: int | None
    to_vorgang_id: int | None
    reason: str | None
    at: datetime
    by: int | None

    @classmethod
    def of(cls, f: FilingHistory) -> FilingOut:
        return cls(from_akte_id=f.from_akte_id, from_vorgang_id=f.from_vorgang_id, to_akte_id=f.to_akte_id,
                   to_vorgang_id=f.to_vorgang_id, reason=f.reason, at=f.at, by=f.by)


class RefileIn(BaseModel):
    akte_id: int | None = None
    vorgang_id: int | None = None
    reason: str | None = None


class TextOut(BaseModel):
    document_id: int
    version_no: int | None
    content: str
    attachments: list[dict[str, Any]]


class NodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=64)
    title: Title
    parent_id: int | None = None
    retention_class: RetentionClassId = None
    archive_value: str | None = Field(default=None, max_length=32)
    department: Department = None


class NodeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str | None = Field(default=None, max_length=64)
    title: Title | None = None
    parent_id: int | None = None
    retention_class: RetentionClassId = None
    archive_value: str | None = Field(default=None, max_length=32)
    department: Department = None
    deprecated: bool | None = None


class NodeOut(BaseModel):
    id: int
    code: str
    title: str
    parent_id: int | None
    retention_class: str | None
    archive_value: str | None
    department: str | None
    deprecated: bool
    version: int
    updated_at: datetime

    @classmethod
    def of(cls, n: FilePlanNode | FilePlanNodeVersion) -> NodeOut:
        is_version = isinstance(n, FilePlanNodeVersion)
        return cls(
            id=int(n.node_id if is_version else n.id or 0),  # type: ignore[union-attr]
            code=n.code, title=n.title, parent_id=n.parent_id, retention_class=n.retention_class,
            archive_value=n.archive_value, department=n.department, deprecated=n.deprecated, version=n.version,
            updated_at=n.changed_at if is_version else n.updated_at,  # type: ignore[union-attr]
        )


class AkteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fileplan_node_id: int
    title: Title
    department: Department = None
    year: int | None = None
    retention_class: RetentionClassId = None


class AkteUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title | None = None
    department: Department = None
    retention_class: RetentionClassId = None


class AkteOut(BaseModel):
    id: int
    aktenzeichen: str
    title: str
    fileplan_node_id: int
    department: str | None
    year: int
    retention_class: str | None
    status: str
    closed_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, a: Akte) -> AkteOut:
        return cls(id=int(a.id or 0), aktenzeichen=a.aktenzeichen, title=a.title, fileplan_node_id=a.fileplan_node_id,
                   department=a.department, year=a.year, retention_class=a.retention_class, status=a.status,
                   closed_at=a.closed_at, created_at=a.created_at)


class VorgangIn(BaseModel):
    title: Title


class VorgangOut(BaseModel):
    id: int
    akte_id: int
    number: int
    title: str
    status: str
    closed_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, v: Vorgang) -> VorgangOut:
        return cls(id=int(v.id or 0), akte_id=v.akte_id, number=v.number, title=v.title, status=v.status,
                   closed_at=v.closed_at, created_at=v.created_at)


class FieldDef(BaseModel):
    name: str
    type: str = "string"
    required: bool = False


class DocumentTypeIn(BaseModel):
    name: str
    title: str = ""
    fields: list[FieldDef] = Field(default_factory=list)
    retention_class: RetentionClassId = None


class DocumentTypeOut(BaseModel):
    id: int
    name: str
    title: str
    fields: list[dict[str, Any]]
    retention_class: str | None

    @classmethod
    def of(cls, t: DocumentType) -> DocumentTypeOut:
        return cls(id=int(t.id or 0), name=t.name, title=t.title, fields=list(t.fields or []), retention_class=t.retention_class)


class GrantIn(BaseModel):
    object_type: str
    object_id: int
    grantee: str


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str
    role: str
    password: str | None = None
    department: str | None = None
    supplier_id: int | None = None
    amount_limit: Decimal | None = None
    groups: list[str] = Field(default_factory=list)
    display_name: str | None = None
    email: str | None = None


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str | None = None
    password: str | None = None
    department: str | None = None
    supplier_id: int | None = None
    amount_limit: Decimal | None = None
    groups: list[str] | None = None
    display_name: str | None = None
    email: str | None = None
    active: bool | None = None


class UserOut(BaseModel):
    id: int
    username: str
    role: str
    department: str | None
    supplier_id: int | None
    amount_limit: Decimal | None
    display_name: str | None
    email: str | None
    active: bool
    groups: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, u: User, groups: list[str] | tuple[str, ...] = ()) -> UserOut:
        return cls(id=int(u.id or 0), username=u.username, role=u.role, department=u.department,
                   supplier_id=u.supplier_id, amount_limit=u.amount_limit, display_name=u.display_name,
                   email=u.email, active=u.active, groups=list(groups))


class TokenIn(BaseModel):
    name: str = "api"
    days: int | None = Field(default=365, ge=1, le=3650)


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked: bool
    token: str | None = Field(default=None, description="Only in the response that created it")

    @classmethod
    def of(cls, t: ApiToken, plain: str | None = None) -> TokenOut:
        return cls(id=int(t.id or 0), name=t.name, prefix=t.prefix, created_at=t.created_at, expires_at=t.expires_at,
                   revoked=t.revoked, token=plain)


class LoginIn(BaseModel):
    username: str
    password: str


class MeOut(BaseModel):
    user: UserOut
    permissions: list[str]
    csrf_token: str | None = None


class AuditOut(BaseModel):
    id: int
    at: str
    actor_id: int | None
    actor: str
    action: str
    object_type: str
    object_id: str
    details: str
    row_hash: str

    @classmethod
    def of(cls, a: AuditEntry) -> AuditOut:
        return cls(id=int(a.id or 0), at=a.at, actor_id=a.actor_id, actor=a.actor, action=a.action,
                   object_type=a.object_type, object_id=a.object_id, details=a.details, row_hash=a.row_hash)
