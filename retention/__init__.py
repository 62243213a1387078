"""Retention and records management (pure: never imports ``dms``).

Public API::

    from retention import RecordFacts, plan, may_delete, default_registry
    p = plan(records, default_registry(), holds, as_of=date(2035, 1, 1))

Modules: ``period`` (Period), ``model`` (RetentionClass, RecordFacts, Trigger, StartRule, Action),
``classes`` (shipped defaults, ClassRegistry), ``holds`` (Hold, HoldIndex), ``schedule`` (assess, plan,
may_delete), ``disposal`` (four-eyes requests, resumable execution), ``certificate`` (Löschprotokoll JSON/PDF),
``xdomea`` (Aussonderung 0501–0507), ``fixity`` (re-hashing stored content).
"""

from retention.classes import DEFAULT_CLASSES, EVENT_JAHRESABSCHLUSS, ClassRegistry, default_registry
from retention.errors import (
    DeletionBlocked,
    DisposalStateError,
    FourEyesViolation,
    InvalidPeriod,
    InvalidRetentionClass,
    NotAuthorised,
    RetentionError,
    UnknownRetentionClass,
    XdomeaError,
)
from retention.holds import Hold, HoldIndex, HoldScope
from retention.model import Action, RecordFacts, RetentionClass, StartRule, Trigger
from retention.period import Period
from retention.schedule import (
    Assessment,
    Decision,
    DisposalPlan,
    RetentionCalculator,
    Status,
    assess,
    ensure_may_delete,
    iter_assessments,
    may_delete,
    plan,
)

__all__ = [
    "DEFAULT_CLASSES",
    "EVENT_JAHRESABSCHLUSS",
    "Action",
    "Assessment",
    "ClassRegistry",
    "Decision",
    "DeletionBlocked",
    "DisposalPlan",
    "DisposalStateError",
    "FourEyesViolation",
    "Hold",
    "HoldIndex",
    "HoldScope",
    "InvalidPeriod",
    "InvalidRetentionClass",
    "NotAuthorised",
    "Period",
    "RecordFacts",
    "RetentionCalculator",
    "RetentionClass",
    "RetentionError",
    "StartRule",
    "Status",
    "Trigger",
    "UnknownRetentionClass",
    "XdomeaError",
    "assess",
    "default_registry",
    "ensure_may_delete",
    "iter_assessments",
    "may_delete",
    "plan",
]
