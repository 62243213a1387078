"""Approval policy for incoming invoices (KomHVO NRW §§ 31, 32): who may sign which step, and when.

Pure: the caller passes the invoice's approval history, the acting person and the time; the policy
answers with an :class:`Outcome` (the decision to record and where the invoice goes next) or a typed
:class:`Refusal` carrying a readable German message. Nothing is stored here.

Default chain: factual sign-off ("sachlich richtig", the ordering department) → arithmetic sign-off
("rechnerisch richtig", finance) → payment order ("Anordnung", finance, amount limit checked).
Separation of duties is enforced, not advised:

* nobody approves two different steps of one invoice (history including superseded sign-offs),
* nobody approves an invoice they submitted,
* amount limits are checked against the acting person's limit at decision time,
* a deputy (Vertretung) may act for an absent assigned approver within the deputyship period,
* a rejection needs a reason and goes back to the previous step, or to the supplier.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from einvoice.errors import EinvoiceError


class Step(StrEnum):
    """One sign-off in the approval chain."""

    FACTUAL = "factual"
    ARITHMETIC = "arithmetic"
    PAYMENT_ORDER = "payment_order"

    @property
    def label(self) -> str:
        """German name used in messages and the UI."""
        return _STEP_LABELS[self]


_STEP_LABELS = {
    Step.FACTUAL: "sachlich richtig",
    Step.ARITHMETIC: "rechnerisch richtig",
    Step.PAYMENT_ORDER: "Anordnung",
}


class Verdict(StrEnum):
    """What an approver decides on a step."""

    APPROVE = "approve"
    REJECT = "reject"


class RejectTarget(StrEnum):
    """Where a rejected invoice goes."""

    PREVIOUS = "previous"  # back to the previous step (the supplier when rejected at the first step)
    SUPPLIER = "supplier"  # straight back to the supplier


class ApprovalStatus(StrEnum):
    """Where an invoice stands in its approval chain."""

    IN_APPROVAL = "in_approval"
    APPROVED = "approved"  # all steps signed: ready for payment
    RETURNED = "returned"  # rejected back to the supplier


class RefusalCode(StrEnum):
    """Why a decision was refused. The web layer maps these to statuses (403 / 409 / 422)."""

    NOT_OPEN = "not_open"
    WRONG_STEP = "wrong_step"
    ROLE_NOT_ALLOWED = "role_not_allowed"
    WRONG_DEPARTMENT = "wrong_department"
    NOT_ASSIGNED = "not_assigned"
    SUBMITTER = "submitter"
    SAME_PERSON = "same_person"
    LIMIT_EXCEEDED = "limit_exceeded"
    NO_LIMIT = "no_limit"
    REASON_REQUIRED = "reason_required"


class ApprovalConfigError(EinvoiceError, ValueError):
    """An approval chain or policy configuration is inconsistent."""


# ------------------------------------------------------------------------------------- configuration


@dataclass(frozen=True, slots=True)
class StepRule:
    """Who may sign one step: roles, whether the department must match, whether limits apply."""

    step: Step
    roles: frozenset[str]
    department_bound: bool = False
    limit_checked: bool = False


@dataclass(frozen=True, slots=True)
class ApprovalChain:
    """Ordered steps for one organisation unit."""

    rules: tuple[StepRule, ...]

    def __post_init__(self) -> None:
        if not self.rules:
            raise ApprovalConfigError("Eine Freigabekette braucht mindestens einen Schritt.")
        steps = [r.step for r in self.rules]
        if len(set(steps)) != len(steps):
            raise ApprovalConfigError("Ein Schritt darf in einer Freigabekette nur einmal vorkommen.")
        if steps[-1] is not Step.PAYMENT_ORDER:
            raise ApprovalConfigError("Die Freigabekette muss mit der Anordnung enden.")
        for rule in self.rules:
            if not rule.roles:
                raise ApprovalConfigError(f"Schritt {rule.step.label!r} hat keine berechtigte Rolle.")

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(r.step for r in self.rules)

    def rule(self, step: Step) -> StepRule | None:
        return next((r for r in self.rules if r.step is step), None)

    @classmethod
    def from_config(cls, items: Sequence[Mapping[str, object]]) -> ApprovalChain:
        """Build from JSON-like config: ``[{"step": "factual", "roles": ["clerk"], ...}, ...]``."""
        rules = []
        for item in items:
            try:
                step = Step(str(item["step"]))
                roles_raw = item.get("roles", [])
            except (KeyError, ValueError) as exc:
                raise ApprovalConfigError(f"Ungültiger Schritt in der Freigabekette: {item!r}") from exc
            if not isinstance(roles_raw, list | tuple | set | frozenset):
                raise ApprovalConfigError(f"'roles' muss eine Liste sein: {item!r}")
            rules.append(
                StepRule(
                    step=step,
                    roles=frozenset(str(r) for r in roles_raw),
                    department_bound=bool(item.get("department_bound", False)),
                    limit_checked=bool(item.get("limit_checked", step is Step.PAYMENT_ORDER)),
                )
            )
        return cls(tuple(rules))

    def to_config(self) -> list[dict[str, object]]:
        return [
            {
                "step": r.step.value,
                "roles": sorted(r.roles),
                "department_bound": r.department_bound,
                "limit_checked": r.limit_checked,
            }
            for r in self.rules
        ]


DEFAULT_CHAIN = ApprovalChain(
    (
        StepRule(Step.FACTUAL, frozenset({"clerk", "finance"}), department_bound=True),
        StepRule(Step.ARITHMETIC, frozenset({"finance"})),
        StepRule(Step.PAYMENT_ORDER, frozenset({"finance"}), limit_checked=True),
    )
)


@dataclass(frozen=True, slots=True)
class SeparationOfDuties:
    """Separation-of-duty rules. ``allowed_pairs`` lists step pairs one person may combine."""

    distinct_persons: bool = True
    submitter_may_approve: bool = False
    allowed_pairs: frozenset[frozenset[Step]] = frozenset()

    def may_combine(self, a: Step, b: Step) -> bool:
        return a is b or not self.distinct_persons or frozenset({a, b}) in self.allowed_pairs


@dataclass(frozen=True, slots=True)
class ApprovalPolicy:
    """Chains per organisation unit (Organisationseinheit code) with a default and SoD rules."""

    default: ApprovalChain = DEFAULT_CHAIN
    chains: Mapping[str, ApprovalChain] = field(default_factory=dict)
    sod: SeparationOfDuties = SeparationOfDuties()

    def chain_for(self, department: str | None) -> ApprovalChain:
        if department is not None and department in self.chains:
            return self.chains[department]
        return self.default


# -------------------------------------------------------------------------------------------- facts


@dataclass(frozen=True, slots=True)
class Actor:
    """The person deciding, as known at decision time (role and limit are read fresh)."""

    user_id: str
    role: str
    department: str | None = None
    amount_limit: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Deputyship:
    """``deputy_id`` acts for ``absent_id`` from ``start`` to ``end`` inclusive (Vertretung)."""

    absent_id: str
    deputy_id: str
    start: date
    end: date

    def covers(self, absent_id: str, deputy_id: str, on: date) -> bool:
        return self.absent_id == absent_id and self.deputy_id == deputy_id and self.start <= on <= self.end


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One recorded decision (the approval trail)."""

    step: Step
    verdict: Verdict
    user_id: str
    at: datetime
    comment: str = ""
    on_behalf_of: str | None = None
    reject_to: RejectTarget | None = None


@dataclass(frozen=True, slots=True)
class InvoiceCase:
    """What the policy needs to know about one invoice."""

    amount: Decimal
    department: str | None = None
    submitted_by: str | None = None
    assignees: Mapping[Step, str] = field(default_factory=dict)
    history: tuple[StepRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class Position:
    """Derived state of a case: status, the open step and the sign-offs that still count."""

    status: ApprovalStatus
    open_step: Step | None
    active: Mapping[Step, StepRecord]


@dataclass(frozen=True, slots=True)
class Outcome:
    """An accepted decision: record it; the invoice moves to ``position``."""

    record: StepRecord
    position: Position


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refused decision, with a message fit to show the user."""

    code: RefusalCode
    message: str


# ---------------------------------------------------------------------------------------- the policy


def position(chain: ApprovalChain, history: Iterable[StepRecord]) -> Position:
    """Replay the history over the chain."""
    steps = chain.steps
    idx = 0
    active: dict[Step, StepRecord] = {}
    returned = False
    for rec in history:
        if rec.step not in steps:
            continue
        if returned:
            # a supplier correction reopens the chain from the start (recorded as a new submission)
            returned, idx, active = False, 0, {}
        i = steps.index(rec.step)
        if rec.verdict is Verdict.APPROVE:
            active[rec.step] = rec
            idx = max(idx, i + 1)
            continue
        # rejection: drop this step's and the previous step's sign-off
        active.pop(rec.step, None)
        if rec.reject_to is RejectTarget.SUPPLIER or i == 0:
            returned, idx, active = True, 0, {}
        else:
            active.pop(steps[i - 1], None)
            idx = i - 1
    if returned:
        return Position(ApprovalStatus.RETURNED, None, {})
    if idx >= len(steps):
        return Position(ApprovalStatus.APPROVED, None, active)
    return Position(ApprovalStatus.IN_APPROVAL, steps[idx], active)


def _money(d: Decimal) -> str:
    return f"{d:,.2f} EUR".replace(",", "X").replace(".", ",").replace("X", ".")


def decide(
    policy: ApprovalPolicy,
    case: InvoiceCase,
    actor: Actor,
    step: Step,
    verdict: Verdict,
    *,
    at: datetime,
    comment: str = "",
    reject_to: RejectTarget = RejectTarget.PREVIOUS,
    deputyships: Iterable[Deputyship] = (),
) -> Outcome | Refusal:
    """Check one decision against the policy; never raises for business refusals."""
    chain = policy.chain_for(case.department)
    pos = position(chain, case.history)
    if pos.status is not ApprovalStatus.IN_APPROVAL or pos.open_step is None:
        state = (
            "vollständig freigegeben"
            if pos.status is ApprovalStatus.APPROVED
            else "an den Lieferanten zurückgegeben"
        )
        return Refusal(RefusalCode.NOT_OPEN, f"Die Rechnung ist nicht in der Freigabe ({state}).")
    if step is not pos.open_step:
        return Refusal(
            RefusalCode.WRONG_STEP,
            f"Schritt '{step.label}' ist nicht an der Reihe; offen ist '{pos.open_step.label}'.",
        )
    rule = chain.rule(step)
    assert rule is not None  # open_step comes from the chain
    if actor.role not in rule.roles:
        return Refusal(
            RefusalCode.ROLE_NOT_ALLOWED,
            f"Die Rolle '{actor.role}' darf '{step.label}' nicht zeichnen (berechtigt: {', '.join(sorted(rule.roles))}).",
        )

    on_behalf_of: str | None = None
    assignee = case.assignees.get(step)
    if assignee is not None and assignee != actor.user_id:
        if not any(d.covers(assignee, actor.user_id, at.date()) for d in deputyships):
            return Refusal(
                RefusalCode.NOT_ASSIGNED,
                f"'{step.label}' ist einer anderen Person zugewiesen; Sie sind nicht als Vertretung eingetragen.",
            )
        on_behalf_of = assignee
    if (
        rule.department_bound
        and on_behalf_of is None
        and case.department is not None
        and actor.department is not None
        and actor.department != case.department
    ):
        return Refusal(
            RefusalCode.WRONG_DEPARTMENT,
            f"'{step.label}' zeichnet die bestellende Organisationseinheit {case.department}, "
            f"nicht {actor.department}.",
        )

    if verdict is Verdict.REJECT:
        if not comment.strip():
            return Refusal(RefusalCode.REASON_REQUIRED, "Eine Ablehnung braucht eine Begründung.")
    else:
        refusal = _check_approval(policy, case, actor, step, rule)
        if refusal is not None:
            return refusal

    record = StepRecord(
        step=step,
        verdict=verdict,
        user_id=actor.user_id,
        at=at,
        comment=comment,
        on_behalf_of=on_behalf_of,
        reject_to=reject_to if verdict is Verdict.REJECT else None,
    )
    return Outcome(record=record, position=position(chain, (*case.history, record)))


def _check_approval(
    policy: ApprovalPolicy, case: InvoiceCase, actor: Actor, step: Step, rule: StepRule
) -> Refusal | None:
    if (
        not policy.sod.submitter_may_approve
        and case.submitted_by is not None
        and case.submitted_by == actor.user_id
    ):
        return Refusal(
            RefusalCode.SUBMITTER,
            "Vier-Augen-Prinzip: Sie haben diese Rechnung eingereicht und dürfen sie nicht freigeben.",
        )
    for rec in case.history:
        if (
            rec.verdict is Verdict.APPROVE
            and rec.user_id == actor.user_id
            and not policy.sod.may_combine(rec.step, step)
        ):
            return Refusal(
                RefusalCode.SAME_PERSON,
                f"Vier-Augen-Prinzip: Sie haben bei dieser Rechnung bereits '{rec.step.label}' gezeichnet "
                f"und dürfen nicht auch '{step.label}' zeichnen.",
            )
    if rule.limit_checked:
        if actor.amount_limit is None:
            return Refusal(
                RefusalCode.NO_LIMIT,
                f"Für '{step.label}' ist eine Betragsgrenze nötig; für Sie ist keine hinterlegt.",
            )
        if case.amount > actor.amount_limit:
            return Refusal(
                RefusalCode.LIMIT_EXCEEDED,
                f"Der Rechnungsbetrag {_money(case.amount)} übersteigt Ihre Betragsgrenze "
                f"{_money(actor.amount_limit)}.",
            )
    return None


def approvable_step(
    policy: ApprovalPolicy,
    case: InvoiceCase,
    actor: Actor,
    at: datetime,
    deputyships: Iterable[Deputyship] = (),
) -> Step | None:
    """The open step ``actor`` could approve right now (for worklists), else None."""
    chain = policy.chain_for(case.department)
    pos = position(chain, case.history)
    if pos.open_step is None:
        return None
    result = decide(
        policy, case, actor, pos.open_step, Verdict.APPROVE, at=at, deputyships=tuple(deputyships)
    )
    return pos.open_step if isinstance(result, Outcome) else None
