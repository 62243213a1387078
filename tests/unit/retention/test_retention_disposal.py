from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from retention import Decision, DisposalStateError, FourEyesViolation, NotAuthorised, RetentionError, Status
from retention.certificate import certificate, certificate_pdf, verify
from retention.disposal import (
    Actor,
    DisposalItem,
    DisposalRequest,
    ItemState,
    RequestState,
    execute,
)

A = Actor("u1", "Anna Akte", "records_manager")
B = Actor("u2", "Bernd Bestand", "records_manager")
CLERK = Actor("u3", "Carla", "clerk")
T0 = datetime(2035, 1, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def items(n: int = 3) -> list[DisposalItem]:
    return [
        DisposalItem(
            f"d{i}", f"{i:064x}", "ao147-belege", date(2034, 12, 31), date(2026, 1, i + 1), f"Rechnung {i}"
        )
        for i in range(n)
    ]


@dataclass
class FakePort:
    blocked: set[str] = field(default_factory=set)
    fail_once: set[str] = field(default_factory=set)
    crash_after: int | None = None  # simulate the process dying after N destroy calls
    destroyed: list[str] = field(default_factory=list)
    saved: list[tuple[str, str | None]] = field(default_factory=list)
    snapshots: list[dict] = field(default_factory=list)

    def decision(self, item: DisposalItem) -> Decision:
        if item.record_id in self.blocked:
            return Decision(False, "Löschsperre h1: Rechtsstreit", Status.HELD)
        return Decision(True, "fällig", Status.DUE)

    def destroy(self, item: DisposalItem) -> None:
        if self.crash_after is not None and len(self.destroyed) >= self.crash_after:
            raise KeyboardInterrupt  # the worker is killed: not an Exception, propagates
        if item.record_id in self.fail_once:
            self.fail_once.discard(item.record_id)
            raise OSError("blob store unreachable")
        self.destroyed.append(item.record_id)

    def save(self, request: DisposalRequest, item: DisposalItem | None) -> None:
        self.saved.append((request.state.value, item.state.value if item else None))
        self.snapshots.append(request.to_dict())


def opened() -> DisposalRequest:
    return DisposalRequest.open("req-1", items(), A, T0, note="Belege 2026")


def test_four_eyes() -> None:
    req = opened()
    with pytest.raises(FourEyesViolation):
        req.approve(A, T0)
    with pytest.raises(NotAuthorised):
        req.approve(CLERK, T0)
    req.approve(B, T0)
    assert req.state is RequestState.APPROVED and req.approved_by == B
    with pytest.raises(DisposalStateError):
        req.approve(B, T0)


def test_only_records_managers_open_and_requests_are_sane() -> None:
    with pytest.raises(NotAuthorised):
        DisposalRequest.open("r", items(), CLERK, T0)
    with pytest.raises(RetentionError):
        DisposalRequest.open("r", [], A, T0)
    with pytest.raises(RetentionError):
        DisposalRequest.open("r", items(1) + items(1), A, T0)


def test_cannot_execute_unapproved_or_rejected() -> None:
    req = opened()
    with pytest.raises(DisposalStateError):
        execute(req, FakePort(), Clock())
    req.reject(B, T0, "noch prüfen")
    assert req.state is RequestState.REJECTED
    with pytest.raises(DisposalStateError):
        execute(req, FakePort(), Clock())


def test_execute_skips_items_held_after_approval() -> None:
    req = opened()
    req.approve(B, T0)
    port = FakePort(blocked={"d1"})
    res = execute(req, port, Clock())
    assert res.completed and res.done == ["d0", "d2"] and res.skipped == ["d1"]
    assert port.destroyed == ["d0", "d2"]
    assert req.item("d1").state is ItemState.SKIPPED and "Löschsperre" in req.item("d1").detail
    assert req.state is RequestState.COMPLETED


def test_interrupted_run_resumes_without_double_work() -> None:
    req = opened()
    req.approve(B, T0)
    port = FakePort(crash_after=1)
    with pytest.raises(KeyboardInterrupt):
        execute(req, port, Clock())
    # reload from the last persisted snapshot, as the shell would after a crash
    restored = DisposalRequest.from_dict(port.snapshots[-1])
    assert restored.state is RequestState.EXECUTING
    assert [i.state for i in restored.items] == [ItemState.DONE, ItemState.IN_PROGRESS, ItemState.PENDING]
    port2 = FakePort(destroyed=list(port.destroyed))
    res = execute(restored, port2, Clock())
    assert res.completed
    assert port2.destroyed == ["d0", "d1", "d2"]  # d0 not destroyed twice
    assert res.done == ["d1", "d2"]


def test_failed_item_is_retried_on_next_run() -> None:
    req = opened()
    req.approve(B, T0)
    port = FakePort(fail_once={"d2"})
    first = execute(req, port, Clock())
    assert not first.completed and first.failed == ["d2"]
    assert req.state is RequestState.EXECUTING and "unreachable" in req.item("d2").detail
    with pytest.raises(DisposalStateError):
        certificate(req, T0)
    second = execute(req, port, Clock())
    assert second.completed and second.done == ["d2"]
    assert port.destroyed == ["d0", "d1", "d2"]


def test_certificate_json_and_pdf() -> None:
    req = opened()
    req.approve(B, T0)
    execute(req, FakePort(blocked={"d2"}), Clock())
    cert = certificate(req, T0 + timedelta(hours=1))
    assert cert["type"] == "Löschprotokoll"
    assert cert["opened_by"]["id"] == "u1" and cert["approved_by"]["id"] == "u2"
    assert [i["sha256"] for i in cert["items"]] == [f"{i:064x}" for i in range(3)]
    assert [i["state"] for i in cert["items"]] == ["destroyed", "destroyed", "not_destroyed"]
    assert cert["summary"] == {"destroyed": 2, "not_destroyed": 1}
    assert cert["items"][0]["class_id"] == "ao147-belege" and cert["items"][0]["keep_until"] == "2034-12-31"
    assert verify(json.loads(json.dumps(cert)))
    tampered = dict(cert, approved_by={"id": "u1", "name": "x", "role": "records_manager"})
    assert not verify(tampered)
    pdf = certificate_pdf(cert)
    assert pdf.startswith(b"%PDF")
    import io

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Löschprotokoll" in text and "req-1" in text and "Bernd Bestand" in text


def test_request_round_trip() -> None:
    req = opened()
    req.approve(B, T0)
    again = DisposalRequest.from_dict(json.loads(json.dumps(req.to_dict())))
    assert again.to_dict() == req.to_dict()
