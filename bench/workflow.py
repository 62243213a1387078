"""Simulated month of incoming invoices: urgency-ordered worklists vs first-come-first-served.

A seeded stream of 2,000 invoices arrives over the working days of March 2026. Each passes the default
chain (factual → arithmetic → payment order), every step worked by a small team with daily capacity,
absences (holiday/sickness) and a one-day hand-over between steps; payment runs go out twice a week
(Tuesday, Thursday). The *same* stream and the *same* staff days are processed twice:

* ``fcfs``: every worklist in order of receipt,
* ``urgency``: every worklist by :func:`einvoice.domain.terms.urgency_key` (earliest money-relevant
  deadline first, Skonto first on ties).

Reported per policy: share of Skonto offers captured (count and EUR), share of invoices paid on time
(payment run on or before the due date), mean and p90 lead time. Run:

    .venv/bin/python bench/workflow.py [--invoices 2000] [--seeds 5]
"""
# ruff: noqa: E402  -- the sys.path guard must run before the project imports

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named like packages (e.g. bench/einvoice.py): keep it off the import path
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse
import random
import statistics
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from einvoice.domain.terms import SkontoTerm, derive_due_date, parse_skonto, payable_amount, urgency_key

MONTH_START = date(2026, 3, 2)
MONTH_END = date(2026, 3, 31)
STEPS = ("factual", "arithmetic", "payment_order")
PAYMENT_RUN_WEEKDAYS = (1, 3)  # Tuesday, Thursday


@dataclass
class Inv:
    id: int
    received: date
    issued: date
    amount: Decimal
    due: date
    skonto: tuple[SkontoTerm, ...]
    step: int = 0
    ready_on: date = MONTH_START  # earliest day the current step's worklist shows it
    ordered_on: date | None = None
    paid_on: date | None = None
    discount: Decimal = Decimal(0)

    def skonto_deadline(self) -> date | None:
        open_terms = [t for t in self.skonto if t.percent > 0]
        return min((t.deadline(self.issued) for t in open_terms), default=None)

    def skonto_value(self) -> Decimal:
        return max((t.discount(self.amount) for t in self.skonto), default=Decimal(0))


@dataclass
class Team:
    """Approvers of one step: each has a daily throughput and is absent on some days."""

    name: str
    throughput: list[int]
    absence_rate: float = 0.12
    absent: dict[date, set[int]] = field(default_factory=dict)

    def capacity(self, day: date, rng: random.Random) -> int:
        if day not in self.absent:
            self.absent[day] = {i for i in range(len(self.throughput)) if rng.random() < self.absence_rate}
        return sum(t for i, t in enumerate(self.throughput) if i not in self.absent[day])


def working_days(start: date, end: date) -> list[date]:
    return [
        start + timedelta(days=i)
        for i in range((end - start).days + 1)
        if (start + timedelta(days=i)).weekday() < 5
    ]


def make_stream(n: int, rng: random.Random) -> list[Inv]:
    days = working_days(MONTH_START, MONTH_END)
    invoices = []
    for i in range(n):
        received = rng.choice(days)
        issued = received - timedelta(days=rng.choice((0, 0, 1, 1, 2, 3, 4, 6)))
        amount = Decimal(str(round(min(rng.lognormvariate(6.3, 1.3), 250_000), 2)))
        r = rng.random()
        if r < 0.25:
            terms_text = "#SKONTO#TAGE=14#PROZENT=2.00#\n"
        elif r < 0.35:
            terms_text = "#SKONTO#TAGE=10#PROZENT=3.00#\n#SKONTO#TAGE=20#PROZENT=1.00#\n"
        elif r < 0.42:
            terms_text = "3 % Skonto bei Zahlung innerhalb von 7 Tagen, 30 Tage netto"
        else:
            terms_text = rng.choice(("Zahlbar innerhalb 30 Tagen netto", "Zahlbar innerhalb 14 Tagen", ""))
        bt9 = issued + timedelta(days=rng.choice((14, 21, 30, 30, 30))) if rng.random() < 0.5 else None
        due = derive_due_date(
            receipt_date=received, due_date=bt9, invoice_date=issued, payment_terms=terms_text
        ).due
        invoices.append(
            Inv(i, received, issued, amount, due, parse_skonto(terms_text).terms, ready_on=received)
        )
    invoices.sort(key=lambda x: (x.received, x.id))
    return invoices


def simulate(stream: list[Inv], policy: str, seed: int) -> dict[str, float]:
    rng = random.Random(seed * 7919)  # staff days identical for both policies
    invs = [Inv(**vars(x)) for x in stream]
    teams = [
        Team("factual", [12, 11, 10, 10, 9, 9, 9, 8, 8, 8, 8, 7], absence_rate=0.15),  # department clerks
        Team("arithmetic", [30, 28, 25, 20], absence_rate=0.12),  # finance
        Team("payment_order", [45, 40, 30], absence_rate=0.10),  # Anordnungsbefugte
    ]
    crng = random.Random(seed * 104729)
    clarify = {x.id: crng.randint(2, 12) for x in invs if crng.random() < 0.12}
    clarified: set[int] = set()
    day = MONTH_START
    horizon = MONTH_END + timedelta(days=120)
    while day <= horizon and any(x.paid_on is None for x in invs):
        if day.weekday() < 5:
            for s, team in enumerate(teams):
                queue = [x for x in invs if x.step == s and x.ready_on <= day and x.paid_on is None]
                if policy == "urgency":
                    queue.sort(
                        key=lambda x: urgency_key(
                            today=day,
                            due=x.due,
                            skonto_deadline=x.skonto_deadline(),
                            skonto_amount=x.skonto_value(),
                        )
                    )
                else:
                    queue.sort(key=lambda x: (x.received, x.id))
                for x in queue[: team.capacity(day, rng)]:
                    if s == 0 and x.id in clarify and x.id not in clarified:
                        # goods receipt missing / query to supplier: the clerk parks it for some days
                        clarified.add(x.id)
                        x.ready_on = day + timedelta(days=clarify[x.id])
                        continue
                    x.step += 1
                    x.ready_on = day + timedelta(days=1)
                    if x.step == len(STEPS):
                        x.ordered_on = day
            if day.weekday() in PAYMENT_RUN_WEEKDAYS:
                for x in invs:
                    if (
                        x.step == len(STEPS)
                        and x.paid_on is None
                        and x.ordered_on is not None
                        and x.ordered_on < day
                    ):
                        x.paid_on = day
                        _, x.discount = payable_amount(x.skonto, x.issued, x.amount, day)
        day += timedelta(days=1)
    offered = [x for x in invs if x.skonto_value() > 0]
    captured = [x for x in offered if x.discount > 0]
    paid = [x for x in invs if x.paid_on is not None]
    lead = [(x.paid_on - x.received).days for x in paid if x.paid_on]
    return {
        "skonto_offers": len(offered),
        "skonto_captured_share": len(captured) / len(offered) if offered else 0.0,
        "skonto_eur_available": float(sum((x.skonto_value() for x in offered), Decimal(0))),
        "skonto_eur_captured": float(sum((x.discount for x in captured), Decimal(0))),
        "on_time_share": sum(1 for x in paid if x.paid_on and x.paid_on <= x.due) / len(invs),
        "unpaid": len(invs) - len(paid),
        "lead_mean": statistics.mean(lead) if lead else 0.0,
        "lead_p90": statistics.quantiles(lead, n=10)[-1] if len(lead) > 1 else 0.0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--invoices", type=int, default=2000)
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    t0 = time.perf_counter()
    results: dict[str, list[dict[str, float]]] = {"fcfs": [], "urgency": []}
    for seed in range(1, args.seeds + 1):
        stream = make_stream(args.invoices, random.Random(seed))
        for policy in results:
            results[policy].append(simulate(stream, policy, seed))
    print(f"{args.invoices} invoices/month, {args.seeds} seeds, default chain, payment runs Tue+Thu")
    print(
        f"{'policy':<9} {'Skonto captured':>16} {'Skonto EUR':>22} {'paid on time':>13} {'lead mean':>10} {'lead p90':>9}"
    )
    for policy, runs in results.items():

        def avg(k: str, runs: list[dict[str, float]] = runs) -> float:
            return statistics.mean(r[k] for r in runs)

        print(
            f"{policy:<9} {avg('skonto_captured_share'):>15.1%} "
            f"{avg('skonto_eur_captured'):>10,.0f} / {avg('skonto_eur_available'):>9,.0f} "
            f"{avg('on_time_share'):>12.1%} {avg('lead_mean'):>9.1f}d {avg('lead_p90'):>8.1f}d"
        )
    print(f"elapsed {time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
