"""Beat's schedule: the scan inbox is polled often enough that a dropped file is stored within seconds."""

from __future__ import annotations

from dms.worker.app import create_celery


def test_scan_inbox_poll_defaults_to_seconds_not_minutes(settings, monkeypatch):
    monkeypatch.delenv("AKTENWERK_OCR_INBOX_INTERVAL_SECONDS", raising=False)
    schedule = create_celery(settings).conf.beat_schedule
    assert schedule["scan-inbox"]["task"] == "ocr.scan_inbox"
    assert schedule["scan-inbox"]["schedule"] == 5.0


def test_scan_inbox_poll_follows_the_ocr_setting(settings, monkeypatch):
    monkeypatch.setenv("AKTENWERK_OCR_INBOX_INTERVAL_SECONDS", "2.5")
    assert create_celery(settings).conf.beat_schedule["scan-inbox"]["schedule"] == 2.5
