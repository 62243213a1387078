"""Ingest pipeline: an explicit ordered list of :class:`IngestStep` implementations (see steps.py)."""

from dms.pipeline.base import IngestContext, IngestStep, StepFailed

__all__ = ["IngestContext", "IngestStep", "StepFailed"]
