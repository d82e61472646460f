"""The buyer's dashboard and supplier list with 1,000 suppliers whose assessments are scored, on PostgreSQL.

Seeds one buyer with N suppliers (default 1,000) of the built-in supply-chain questionnaire over two rounds,
every assessment scored (a stored result of realistic size: 8 sections, each item's values column-wise) and
half of them with an open corrective action, then requests each page R times through the app (the Flask
test client: the whole request, rendering included, without a network hop) and prints p50 / p95 / max and
the SQL statements one request sends. The aim (issue 18): p95 under 300 ms for the dashboard, and as many
statements for 1,000 suppliers as for 10 (the portfolio is read whole; the lists show a page).

Run with ``make bench`` or ``.venv/bin/python bench/dashboard.py [N] [R]``; needs PostgreSQL at
PORTAL_BENCH_DATABASE_URL (default: the ``test`` database on 127.0.0.1, in a schema of its own).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

PASSWORD = "bench password 1"
ROUNDS = ("2025年度 取引先確認", "2026年度 取引先確認")


def seed(count: int) -> str:
    """The buyer, its admin and ``count`` scored suppliers over two rounds; returns the admin's e-mail."""
    from portal.accounts.operations import create_user
    from portal.actions.models import ActionState, CorrectiveAction
    from portal.assessments.models import Assessment, AssessmentState
    from portal.campaigns.models import Campaign, CampaignState
    from portal.catalog.models import QuestionnaireVersion
    from portal.catalog.operations import load_builtin_questionnaires, questionnaire_of
    from portal.extensions import db
    from portal.organizations.models import Organization, Role
    from portal.organizations.operations import add_member, create_organization
    from portal.scoring.models import AssessmentScore, ScoreState
    from portal.scoring.summary import score_summary
    from portal.suppliers.models import Supplier, Tier
    from questionnaires.scoring import grade_for

    rng = random.Random(18)
    load_builtin_questionnaires()
    version = db.session.scalar(sa.select(QuestionnaireVersion).where(QuestionnaireVersion.key == "supply-chain"))
    questionnaire = questionnaire_of(version)
    sections = [(s.id, len(s.items)) for s in questionnaire.sections]
    item_ids = [item.id for item in questionnaire.items]
    buyer = create_organization("ベンチ発注元株式会社", by=None)
    admin = create_user(email="bench-admin@example.com", name="ベンチ 管理者", password=PASSWORD)
    add_member(buyer, admin, Role.BUYER_ADMIN, by=None)
    organizations = [Organization(name=f"委託先{n:04d}株式会社") for n in range(count)]
    db.session.add_all(organizations)
    db.session.flush()
    suppliers = [
        Supplier(
            buyer_id=buyer.id,
            organization_id=o.id,
            name=o.name,
            contact_email=f"s{n}@bench.example.com",
            tier=(Tier.T1, Tier.T2, Tier.T3)[n % 3],
        )
        for n, o in enumerate(organizations)
    ]
    db.session.add_all(suppliers)
    db.session.flush()
    now = datetime.now(UTC)
    for age, name in zip((365, 30), ROUNDS, strict=True):
        campaign = Campaign(
            buyer_id=buyer.id,
            name=name,
            questionnaire_version_id=version.id,
            due_date=date.today() + timedelta(days=30 - age),
            state=CampaignState.LAUNCHED,
            created_at=now - timedelta(days=age),
            launched_at=now - timedelta(days=age),
        )
        db.session.add(campaign)
        db.session.flush()
        assessments = [
            Assessment(
                campaign_id=campaign.id,
                supplier_id=s.id,
                tier=s.tier,
                state=AssessmentState.ACCEPTED if age > 100 else AssessmentState.UNDER_REVIEW,
                submitted_at=now - timedelta(days=age - 20),
                decided_at=now - timedelta(days=age - 25) if age > 100 else None,
            )
            for s in suppliers
        ]
        db.session.add_all(assessments)
        db.session.flush()
        rows, actions = [], []
        for n, assessment in enumerate(assessments):
            rates = {section: round(rng.uniform(30, 100), 1) for section, _ in sections}
            overall = round(sum(rates.values()) / len(rates), 1)
            result = {
                "model": "default",
                "overall": overall,
                "grade": grade_for(overall),
                "passed": overall >= 80,
                "risk": "medium",
                "reasons": [],
                "sections": [
                    {"section_id": s, "rate": rates[s], "weight": 1.0, "items": items} for s, items in sections
                ],
                "items": {
                    "item_id": item_ids,
                    "code": [rng.choice(("yes", "partial", "no")) for _ in item_ids],
                    "value": [rng.choice((1.0, 0.5, 0.0)) for _ in item_ids],
                    "contribution": [round(rng.random(), 4) for _ in item_ids],
                    "in_scope": [True] * len(item_ids),
                    "excluded": [False] * len(item_ids),
                },
            }
            rows.append(
                {
                    "assessment_id": assessment.id,
                    "state": ScoreState.DONE,
                    "self_result": result,
                    "summary": score_summary(result, None),  # as the scoring job stores it
                    "attempts": 1,
                }
            )
            if n % 2 == 0:
                raised = now - timedelta(days=rng.randint(0, 150))
                actions.append(
                    {
                        "supplier_id": assessment.supplier_id,
                        "assessment_id": assessment.id,
                        "title": "是正処置",
                        "owner": "担当",
                        "due_date": (raised + timedelta(days=60)).date(),
                        "state": ActionState.OPEN,
                        "created_at": raised,
                    }
                )
        db.session.execute(sa.insert(AssessmentScore), rows)
        db.session.execute(sa.insert(CorrectiveAction), actions)
    db.session.commit()
    return admin.email


def measure(get: Callable[[], Any], repeats: int) -> tuple[list[float], list[float]]:
    """Milliseconds of each of ``repeats`` requests after two that warm up caches: wall time, and this
    process's CPU time (steadier on a machine shared with other work; the database's time is not in it)."""
    for _ in range(2):
        get()
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = get()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, response.status_code
    return wall, cpu


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def main(count: int, repeats: int) -> int:
    from scoring import page_bench_app, scratch_schema  # bench/ is this script's sys.path[0]

    from portal.extensions import db

    with scratch_schema() as (_, database_url):
        app = page_bench_app(database_url)
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            email = seed(count)
            print(
                f"seeded                  : {count} suppliers × {len(ROUNDS)} scored rounds in "
                f"{time.perf_counter() - started:.1f} s, PostgreSQL"
            )
            statements: list[str] = []
            sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
            client = app.test_client()
            client.post("/sign-in", data={"email": email, "password": PASSWORD})
            failed = 0
            for label, path, limit in (
                ("dashboard", "/", 300.0),
                ("dashboard, by a section", "/?sort=section:staff&order=desc&page=7", 300.0),
                ("supplier list", "/suppliers/", None),
            ):
                times, cpu = measure(lambda path=path: client.get(path), repeats)  # type: ignore[misc]
                statements.clear()
                size = len(client.get(path).data)
                verdict = "" if limit is None else (" ok" if p95(times) < limit else f" OVER {limit:.0f} ms")
                failed += verdict.startswith(" OVER")
                print(
                    f"{label:<24}: p50 {statistics.median(times):6.1f} ms  p95 {p95(times):6.1f} ms  "
                    f"max {max(times):6.1f} ms  (CPU p50 {statistics.median(cpu):5.1f} ms)  "
                    f"{len(statements):3d} SQL statements  {size // 1024} KiB{verdict}"
                )
            print(f"load average            : {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            return 1 if failed else 0


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:]]
    sys.exit(main(*(arguments + [1000, 40][len(arguments) :])))
