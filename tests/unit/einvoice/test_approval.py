"""Approval policy: chain order, separation of duties, limits, deputies, rejections."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from itertools import product

import pytest

from einvoice.domain.approval import (
    DEFAULT_CHAIN,
    Actor,
    ApprovalChain,
    ApprovalConfigError,
    ApprovalPolicy,
    ApprovalStatus,
    Deputyship,
    InvoiceCase,
    Outcome,
    Refusal,
    RefusalCode,
    RejectTarget,
    SeparationOfDuties,
    Step,
    StepRule,
    Verdict,
    approvable_step,
    decide,
    position,
)

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
POLICY = ApprovalPolicy()

CLERK = Actor("clerk63", "clerk", department="63")
CLERK_OTHER = Actor("clerk20", "clerk", department="20")
FIN_A = Actor("finA", "finance", amount_limit=D("50000"))
FIN_B = Actor("finB", "finance", amount_limit=D("50000"))
FIN_SMALL = Actor("finSmall", "finance", amount_limit=D("1000"))
FIN_NOLIMIT = Actor("finNo", "finance")
SUPPLIER = Actor("sup1", "supplier")
ADMIN = Actor("adm", "admin", amount_limit=D("1000000"))


def case(amount: str = "1190.00", **kw) -> InvoiceCase:
    return InvoiceCase(amount=D(amount), department=kw.pop("department", "63"), **kw)


def run(c: InvoiceCase, *decisions: tuple[Actor, Step, Verdict], policy: ApprovalPolicy = POLICY, **kw):
    """Apply decisions in order; return the final case and the last result."""
    result: Outcome | Refusal | None = None
    for i, (actor, step, verdict) in enumerate(decisions):
        result = decide(policy, c, actor, step, verdict, at=T0 + timedelta(minutes=i), **kw)
        if isinstance(result, Outcome):
            c = InvoiceCase(c.amount, c.department, c.submitted_by, c.assignees, (*c.history, result.record))
    return c, result


A, R = Verdict.APPROVE, Verdict.REJECT
F, AR, PO = Step.FACTUAL, Step.ARITHMETIC, Step.PAYMENT_ORDER


def test_happy_path_three_people() -> None:
    c, result = run(case(), (CLERK, F, A), (FIN_A, AR, A), (FIN_B, PO, A))
    assert isinstance(result, Outcome)
    assert result.position.status is ApprovalStatus.APPROVED
    assert [r.user_id for r in c.history] == ["clerk63", "finA", "finB"]


def test_open_step_advances() -> None:
    c, result = run(case(), (CLERK, F, A))
    assert isinstance(result, Outcome)
    assert result.position.open_step is AR
    assert position(DEFAULT_CHAIN, c.history).open_step is AR


# Separation-of-duties matrix: the same person on any two steps is refused on the second one.
@pytest.mark.parametrize(("first", "second"), [(F, AR), (AR, PO), (F, PO)])
def test_same_person_cannot_sign_two_steps(first: Step, second: Step) -> None:
    steps = DEFAULT_CHAIN.steps
    others = iter([FIN_B, Actor("finC", "finance", amount_limit=D("50000"))])
    decisions = []
    for s in steps[: steps.index(second) + 1]:
        actor = FIN_A if s in (first, second) else next(others)
        decisions.append((actor, s, A))
    c, result = run(case(department=None), *decisions)
    assert isinstance(result, Refusal)
    assert result.code is RefusalCode.SAME_PERSON
    assert "Vier-Augen-Prinzip" in result.message
    assert first.label in result.message and second.label in result.message
    assert position(DEFAULT_CHAIN, c.history).open_step is second


@pytest.mark.parametrize(("actor", "step"), list(product([FIN_A, FIN_B], [F, AR, PO])))
def test_full_matrix_each_person_signs_at_most_one_step(actor: Actor, step: Step) -> None:
    """Whoever signed ``step`` is refused on every later step of the same invoice; others go through."""
    helpers = {F: CLERK, AR: Actor("finX", "finance"), PO: Actor("finY", "finance", amount_limit=D("99999"))}
    c = case()
    signed = False
    for s in DEFAULT_CHAIN.steps:
        if signed:
            refused = decide(POLICY, c, actor, s, A, at=T0)
            assert isinstance(refused, Refusal) and refused.code is RefusalCode.SAME_PERSON
        signer = actor if s is step else helpers[s]
        c, result = run(c, (signer, s, A))
        assert isinstance(result, Outcome), result
        signed = signed or s is step
    assert position(DEFAULT_CHAIN, c.history).status is ApprovalStatus.APPROVED
    assert sum(r.user_id == actor.user_id for r in c.history) == 1


def test_submitter_cannot_approve() -> None:
    c = case(submitted_by="finA", department=None)
    _, result = run(c, (FIN_A, F, A))
    assert isinstance(result, Refusal) and result.code is RefusalCode.SUBMITTER
    _, result = run(c, (FIN_B, F, A), (FIN_A, AR, A))
    assert isinstance(result, Refusal) and result.code is RefusalCode.SUBMITTER


def test_submitter_may_approve_when_policy_allows() -> None:
    policy = ApprovalPolicy(sod=SeparationOfDuties(submitter_may_approve=True))
    _, result = run(case(submitted_by="finA", department=None), (FIN_A, F, A), policy=policy)
    assert isinstance(result, Outcome)


def test_allowed_pair_lets_one_person_combine_factual_and_arithmetic() -> None:
    policy = ApprovalPolicy(sod=SeparationOfDuties(allowed_pairs=frozenset({frozenset({F, AR})})))
    _, result = run(case(department=None), (FIN_A, F, A), (FIN_A, AR, A), policy=policy)
    assert isinstance(result, Outcome)
    _, result = run(case(department=None), (FIN_A, F, A), (FIN_A, AR, A), (FIN_A, PO, A), policy=policy)
    assert isinstance(result, Refusal) and result.code is RefusalCode.SAME_PERSON


@pytest.mark.parametrize(
    ("amount", "actor", "code"),
    [
        ("1000.00", FIN_SMALL, None),  # exactly the limit
        ("1000.01", FIN_SMALL, RefusalCode.LIMIT_EXCEEDED),
        ("50000.00", FIN_B, None),
        ("50000.01", FIN_B, RefusalCode.LIMIT_EXCEEDED),
        ("10.00", FIN_NOLIMIT, RefusalCode.NO_LIMIT),
    ],
)
def test_amount_limit_on_payment_order(amount: str, actor: Actor, code: RefusalCode | None) -> None:
    _, result = run(case(amount), (CLERK, F, A), (FIN_A, AR, A), (actor, PO, A))
    if code is None:
        assert isinstance(result, Outcome)
    else:
        assert isinstance(result, Refusal) and result.code is code
        assert "Betragsgrenze" in result.message


def test_limit_is_read_at_decision_time() -> None:
    c, _ = run(case("5000.00"), (CLERK, F, A), (FIN_A, AR, A))
    before = Actor("finB", "finance", amount_limit=D("10000"))
    after = Actor("finB", "finance", amount_limit=D("4000"))  # limit lowered meanwhile
    assert isinstance(decide(POLICY, c, before, PO, A, at=T0), Outcome)
    refused = decide(POLICY, c, after, PO, A, at=T0)
    assert isinstance(refused, Refusal) and refused.code is RefusalCode.LIMIT_EXCEEDED
    assert "5.000,00 EUR" in refused.message and "4.000,00 EUR" in refused.message


def test_limit_not_checked_on_factual_or_arithmetic() -> None:
    _, result = run(case("999999.00"), (CLERK, F, A), (FIN_NOLIMIT, AR, A))
    assert isinstance(result, Outcome)


@pytest.mark.parametrize(
    ("actor", "step", "code"),
    [
        (SUPPLIER, F, RefusalCode.ROLE_NOT_ALLOWED),
        (ADMIN, F, RefusalCode.ROLE_NOT_ALLOWED),
        (CLERK, AR, RefusalCode.WRONG_STEP),
        (CLERK_OTHER, F, RefusalCode.WRONG_DEPARTMENT),
        (FIN_A, PO, RefusalCode.WRONG_STEP),
    ],
)
def test_role_department_and_order(actor: Actor, step: Step, code: RefusalCode) -> None:
    _, result = run(case(), (actor, step, A))
    assert isinstance(result, Refusal) and result.code is code


def test_clerk_cannot_sign_arithmetic_even_when_open() -> None:
    _, result = run(case(), (FIN_A, F, A), (CLERK, AR, A))
    assert isinstance(result, Refusal) and result.code is RefusalCode.ROLE_NOT_ALLOWED


def test_central_staff_without_department_may_sign_factual() -> None:
    _, result = run(case(), (Actor("c0", "clerk"), F, A))
    assert isinstance(result, Outcome)


def test_reject_needs_reason() -> None:
    _, result = run(case(), (CLERK, F, R))
    assert isinstance(result, Refusal) and result.code is RefusalCode.REASON_REQUIRED


def test_reject_goes_back_to_previous_step_and_drops_its_signoff() -> None:
    c, _ = run(case(), (CLERK, F, A))
    result = decide(POLICY, c, FIN_A, AR, R, at=T0, comment="Menge stimmt nicht")
    assert isinstance(result, Outcome)
    assert result.position.open_step is F
    assert F not in result.position.active
    c = InvoiceCase(c.amount, c.department, c.submitted_by, c.assignees, (*c.history, result.record))
    # the clerk re-signs factual; the rejecting person may still sign arithmetic (a rejection is no sign-off)
    c, result2 = run(c, (CLERK, F, A), (FIN_A, AR, A), (FIN_B, PO, A))
    assert isinstance(result2, Outcome) and result2.position.status is ApprovalStatus.APPROVED


def test_superseded_signoff_still_counts_for_separation() -> None:
    """Someone whose factual sign-off was rejected away still may not sign arithmetic later."""
    c, _ = run(case(department=None), (FIN_A, F, A))
    r = decide(POLICY, c, FIN_B, AR, R, at=T0, comment="zurück")
    assert isinstance(r, Outcome)
    c = InvoiceCase(c.amount, c.department, c.submitted_by, c.assignees, (*c.history, r.record))
    c, _ = run(c, (CLERK, F, A))
    refused = decide(POLICY, c, FIN_A, AR, A, at=T0)
    assert isinstance(refused, Refusal) and refused.code is RefusalCode.SAME_PERSON


@pytest.mark.parametrize(
    ("prefix", "step", "target"),
    [((), F, RejectTarget.PREVIOUS), (((CLERK, F, A), (FIN_A, AR, A)), PO, RejectTarget.SUPPLIER)],
)
def test_reject_to_supplier(prefix: tuple, step: Step, target: RejectTarget) -> None:
    c, _ = run(case(), *prefix)
    actor = CLERK if step is F else FIN_B
    result = decide(POLICY, c, actor, step, R, at=T0, comment="falsche Bestellnummer", reject_to=target)
    assert isinstance(result, Outcome)
    assert result.position.status is ApprovalStatus.RETURNED
    c = InvoiceCase(c.amount, c.department, c.submitted_by, c.assignees, (*c.history, result.record))
    again = decide(POLICY, c, FIN_B, PO, A, at=T0)
    assert isinstance(again, Refusal) and again.code is RefusalCode.NOT_OPEN


def test_nothing_after_completion() -> None:
    c, _ = run(case(), (CLERK, F, A), (FIN_A, AR, A), (FIN_B, PO, A))
    result = decide(POLICY, c, FIN_B, PO, A, at=T0)
    assert isinstance(result, Refusal) and result.code is RefusalCode.NOT_OPEN


def test_assigned_step_and_deputy_within_period() -> None:
    c = case(assignees={F: "clerk63"})
    deputy = Actor("clerk63b", "clerk", department="63")
    ship = Deputyship("clerk63", "clerk63b", date(2026, 3, 1), date(2026, 3, 15))
    refused = decide(POLICY, c, deputy, F, A, at=T0)
    assert isinstance(refused, Refusal) and refused.code is RefusalCode.NOT_ASSIGNED
    ok = decide(POLICY, c, deputy, F, A, at=T0, deputyships=[ship])
    assert isinstance(ok, Outcome) and ok.record.on_behalf_of == "clerk63"
    late = decide(POLICY, c, deputy, F, A, at=datetime(2026, 3, 16, tzinfo=UTC), deputyships=[ship])
    assert isinstance(late, Refusal) and late.code is RefusalCode.NOT_ASSIGNED


def test_deputy_is_still_bound_by_separation_of_duties() -> None:
    c, _ = run(case(department=None), (FIN_A, F, A))
    c = InvoiceCase(c.amount, c.department, c.submitted_by, {AR: "finB"}, c.history)
    ship = Deputyship("finB", "finA", date(2026, 1, 1), date(2026, 12, 31))
    refused = decide(POLICY, c, FIN_A, AR, A, at=T0, deputyships=[ship])
    assert isinstance(refused, Refusal) and refused.code is RefusalCode.SAME_PERSON


def test_chain_per_department_and_config_roundtrip() -> None:
    two_step = ApprovalChain.from_config(
        [{"step": "factual", "roles": ["clerk"]}, {"step": "payment_order", "roles": ["finance"]}]
    )
    policy = ApprovalPolicy(chains={"51": two_step})
    assert policy.chain_for("51") is two_step
    assert policy.chain_for("63") is DEFAULT_CHAIN
    assert policy.chain_for(None) is DEFAULT_CHAIN
    assert two_step.rule(PO) is not None and two_step.rule(PO).limit_checked
    _, result = run(case(department="51"), (Actor("c51", "clerk", "51"), F, A), (FIN_A, PO, A), policy=policy)
    assert isinstance(result, Outcome) and result.position.status is ApprovalStatus.APPROVED
    assert ApprovalChain.from_config(DEFAULT_CHAIN.to_config()) == DEFAULT_CHAIN


@pytest.mark.parametrize(
    "config",
    [
        [],
        [{"step": "factual", "roles": ["clerk"]}],  # must end with the payment order
        [{"step": "payment_order", "roles": []}],
        [{"step": "payment_order", "roles": ["finance"]}, {"step": "payment_order", "roles": ["finance"]}],
        [{"step": "signoff", "roles": ["finance"]}],
        [{"roles": ["finance"]}],
        [{"step": "payment_order", "roles": "finance"}],
    ],
)
def test_bad_chain_config_is_refused(config: list) -> None:
    with pytest.raises(ApprovalConfigError):
        ApprovalChain.from_config(config)


def test_step_rule_without_limit_check_allows_unlimited_actor() -> None:
    chain = ApprovalChain((StepRule(PO, frozenset({"finance"}), limit_checked=False),))
    _, result = run(case(), (FIN_NOLIMIT, PO, A), policy=ApprovalPolicy(default=chain))
    assert isinstance(result, Outcome)


def test_approvable_step_for_worklists() -> None:
    c, _ = run(case(), (CLERK, F, A))
    assert approvable_step(POLICY, c, FIN_A, T0) is AR
    assert approvable_step(POLICY, c, CLERK, T0) is None
    c, _ = run(c, (FIN_A, AR, A))
    assert approvable_step(POLICY, c, FIN_A, T0) is None  # already signed arithmetic
    assert approvable_step(POLICY, c, FIN_B, T0) is PO
