"""Archive hand-over steps the retention UI functions do not cover: importing the archive's answer
(xdomea 0502 … 0507) and building the 0503 transfer package — the same calls the JSON API makes."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from dms.retention_settings import RetentionSettings
from dms.retention_xdomea import build_transfer, import_message
from dms.web.ui.backend.base import UserError, container, uow, user_errors

MAX_MESSAGE_BYTES = 64 * 1024 * 1024


def archive_import(request: Request, user: Any, data: bytes) -> dict[str, Any]:
    if not data:
        raise UserError("upload.empty")
    if len(data) > MAX_MESSAGE_BYTES:
        raise UserError("error.too_large_text", status=413)
    with uow(request) as unit, user_errors():
        out = import_message(unit.session, RetentionSettings(), user, data)
        unit.commit()
    return out


def archive_transfer(request: Request, user: Any, process_id: str) -> tuple[str, bytes]:
    with uow(request) as unit, user_errors():
        name, data = build_transfer(container(request), unit.session, RetentionSettings(), user, process_id)
        unit.commit()
    return name, data
