"""The chain view for a prime with 1,000 suppliers, each with 3 subcontractors (and a third of those with one of
their own), on PostgreSQL.

Seeds the network in bulk: every relationship with a scored assessment from its own buyer's campaign, some with
open corrective actions, the sharing settings mixed (mostly names and grades, every fifth supplier full, every
tenth nothing). Measures, R times each after two warm-up runs:

- ``chains_for`` over all 1,000 suppliers (what the list's export and the portfolio workbook read), against the
  floor: the same SQL statement executed and its rows fetched, nothing built; the ratio is the Python on top;
- the supplier page with its chain (the whole request through the Flask test client, rendering included);
- the supplier list (a page of 50, each with its weakest link) and GET /api/v1/suppliers/{id}/chain.

Prints p50 / p95 / max, the SQL statements one request sends, and the ratio. The aim (issue 19): p95 under 300 ms.

Run with ``make bench`` or ``.venv/bin/python bench/chain.py [N] [R]``; needs PostgreSQL at
PORTAL_BENCH_DATABASE_URL (default: the ``test`` database on 127.0.0.1, in a schema of its own).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

PASSWORD = "bench password 1"
SUBS = 3
AIM_MS = 300.0


def seed(count: int) -> tuple[str, str, int]:
    """The prime, its admin and the network below it; returns the admin's e-mail, an API token of theirs and one
    supplier's id (one whose chain is shared in full, three levels deep)."""
    from portal.accounts.operations import create_api_token, create_user
    from portal.assessments.models import Assessment, AssessmentState
    from portal.campaigns.models import Campaign, CampaignState
    from portal.catalog.models import QuestionnaireVersion
    from portal.catalog.operations import load_builtin_questionnaires
    from portal.extensions import db
    from portal.organizations.models import Organization, Role
    from portal.organizations.operations import add_member, create_organization
    from portal.suppliers.models import Sharing, Supplier, Tier

    load_builtin_questionnaires()
    version_id = db.session.scalar(sa.select(QuestionnaireVersion.id).where(QuestionnaireVersion.key == "supply-chain"))
    prime = create_organization("ベンチ元請株式会社", by=None)
    admin = create_user(email="chain-admin@example.com", name="ベンチ 管理者", password=PASSWORD)
    add_member(prime, admin, Role.BUYER_ADMIN, by=None)
    db.session.flush()

    def organizations(names: list[str]) -> list[int]:
        rows = db.session.execute(
            sa.insert(Organization).returning(Organization.id, sort_by_parameter_order=True),
            [{"name": name} for name in names],
        )
        return [row.id for row in rows]

    def sharing(n: int) -> Sharing:
        return Sharing.NOTHING if n % 10 == 9 else Sharing.FULL if n % 5 == 0 else Sharing.NAMES_AND_GRADES

    # level by level: (buyer organisation, supplier organisation, name, sharing)
    firsts = organizations([f"一次委託先{n:04d}株式会社" for n in range(count)])
    links = [(prime.id, org, f"一次委託先{n:04d}株式会社", sharing(n)) for n, org in enumerate(firsts)]
    seconds = organizations([f"二次委託先{n:04d}-{m}" for n in range(count) for m in range(SUBS)])
    links += [
        (firsts[i // SUBS], org, f"二次委託先{i // SUBS:04d}-{i % SUBS}", sharing(i)) for i, org in enumerate(seconds)
    ]
    thirds = organizations([f"三次委託先{n:05d}" for n in range(0, len(seconds), 3)])
    links += [(seconds[i * 3], org, f"三次委託先{i * 3:05d}", Sharing.NAMES_AND_GRADES) for i, org in enumerate(thirds)]

    buyers = sorted({buyer for buyer, _, _, _ in links})
    campaigns = dict(
        zip(
            buyers,
            db.session.scalars(
                sa.insert(Campaign).returning(Campaign.id, sort_by_parameter_order=True),
                [
                    {
                        "buyer_id": buyer,
                        "name": "2026年度 委託先確認",
                        "questionnaire_version_id": version_id,
                        "due_date": date.today() + timedelta(days=30),
                        "state": CampaignState.LAUNCHED,
                        "reminder_days": [7, 3, 1],
                    }
                    for buyer in buyers
                ],
            ),
            strict=True,
        )
    )
    relationships = db.session.scalars(
        sa.insert(Supplier).returning(Supplier.id, sort_by_parameter_order=True),
        [
            {
                "buyer_id": buyer,
                "organization_id": org,
                "name": name,
                "contact_email": f"c{org}@bench.example.com",
                "tier": Tier.T2,
                "sharing": shared,
            }
            for buyer, org, name, shared in links
        ],
    ).all()
    states = (AssessmentState.ACCEPTED, AssessmentState.UNDER_REVIEW, AssessmentState.IN_PROGRESS)
    assessments = db.session.scalars(
        sa.insert(Assessment).returning(Assessment.id, sort_by_parameter_order=True),
        [
            {"campaign_id": campaigns[buyer], "supplier_id": relationship, "tier": Tier.T2, "state": states[n % 3]}
            for n, (relationship, (buyer, _, _, _)) in enumerate(zip(relationships, links, strict=True))
        ],
    ).all()
    _scores_and_actions(list(assessments), list(relationships))
    _, token = create_api_token(admin, "bench")
    db.session.commit()
    return admin.email, token, relationships[0]


def _scores_and_actions(assessments: list[int], relationships: list[int]) -> None:
    """A score of every assessment (grades A–D in turn, its summary as the scoring job stores it) and an open
    corrective action on every fourth."""
    from portal.actions.models import ActionState, CorrectiveAction
    from portal.extensions import db
    from portal.scoring.models import AssessmentScore, ScoreState
    from portal.scoring.summary import score_summary

    rates = (95.0, 80.0, 60.0, 30.0)
    scores = []
    for n, assessment in enumerate(assessments):
        result = {"overall": rates[n % 4], "grade": "ABCD"[n % 4], "sections": []}
        scores.append(
            {
                "assessment_id": assessment,
                "state": ScoreState.DONE,
                "self_result": result,
                "summary": score_summary(result, None),
                "attempts": 1,
            }
        )
    db.session.execute(sa.insert(AssessmentScore), scores)
    actions = [
        {
            "supplier_id": relationship,
            "assessment_id": assessment,
            "title": "是正処置",
            "owner": "担当",
            "due_date": date.today() + timedelta(days=30),
            "state": ActionState.OPEN,
        }
        for n, (assessment, relationship) in enumerate(zip(assessments, relationships, strict=True))
        if n % 4 == 0
    ]
    db.session.execute(sa.insert(CorrectiveAction), actions)


def measure(run: Callable[[], Any], repeats: int) -> list[float]:
    """Milliseconds of each of ``repeats`` runs after two that warm up caches."""
    for _ in range(2):
        run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[-1]


def line(label: str, times: list[float], extra: str = "") -> str:
    return (
        f"{label:<28}: p50 {statistics.median(times):6.1f} ms  p95 {p95(times):6.1f} ms  max {max(times):6.1f} ms"
        f"{extra}"
    )


def main(count: int, repeats: int) -> int:
    from scoring import page_bench_app, scratch_schema  # bench/ is this script's sys.path[0]

    from portal.extensions import db
    from portal.organizations.models import Organization

    # The floor runs the very statement chains_for sends (a private helper, read here on purpose).
    from portal.suppliers.chain import MAX_DEPTH, _chain_statement, chains_for

    with scratch_schema("bench_chain") as (_, database_url):
        app = page_bench_app(database_url)
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            email, token, supplier_id = seed(count)
            buyer = db.session.scalar(sa.select(Organization).where(Organization.name == "ベンチ元請株式会社"))
            assert buyer is not None
            relationships = db.session.scalar(sa.text("SELECT count(*) FROM suppliers"))
            print(
                f"seeded                      : {count} suppliers, {relationships} relationships in all, in "
                f"{time.perf_counter() - started:.1f} s, PostgreSQL"
            )
            statement = _chain_statement(buyer.id, None, MAX_DEPTH)
            rows = len(db.session.connection().execute(statement).all())
            floor = measure(lambda: db.session.connection().execute(statement).all(), repeats)
            ours = measure(lambda: chains_for(buyer), repeats)
            shown = sum(1 for chain in chains_for(buyer).values() for _ in chain.walk())
            db.session.rollback()
            ratio = statistics.median(ours) / statistics.median(floor)
            print(line("floor: the bare SQL", floor, f"  ({rows} rows)"))
            print(line("chains_for, all suppliers", ours, f"  ratio to floor {ratio:.2f}, {shown} companies shown"))
            failed = p95(ours) >= AIM_MS

            statements: list[str] = []
            sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
            client = app.test_client()
            client.post("/sign-in", data={"email": email, "password": PASSWORD})
            headers = {"Authorization": f"Bearer {token}"}
            for label, path, options in (
                ("supplier page with chain", f"/suppliers/{supplier_id}", {}),
                ("supplier list (50 rows)", "/suppliers/", {}),
                ("API chain", f"/api/v1/suppliers/{supplier_id}/chain", {"headers": headers}),
            ):
                times = measure(lambda path=path, options=options: ok(client.get(path, **options)), repeats)  # type: ignore[misc]
                statements.clear()
                ok(client.get(path, **options))
                failed |= p95(times) >= AIM_MS
                print(line(label, times, f"  {len(statements):3d} SQL statements"))
            return verdict(failed, AIM_MS)


def verdict(failed: bool, aim_ms: float) -> int:
    """The aim's line and the machine's load (figures are read against it); the exit status."""
    print(f"aim                         : p95 under {aim_ms:.0f} ms: {'OVER' if failed else 'ok'}")
    print(f"load average                : {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 1 if failed else 0


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.status_code
    return response


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:]]
    sys.exit(main(*(arguments + [1000, 30][len(arguments) :])))
