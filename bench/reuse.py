"""The answer library on PostgreSQL: how much of another questionnaire a supplier's earlier answers cover, and
how long an assessment with suggestions takes to open.

1. Coverage: a supplier that answered and submitted the built-in supply-chain questionnaire at T2 for one buyer
   opens a second buyer's request on the built-in METI SCS criteria at ★3 (81 criteria), and a third buyer's on
   the ipa-self-check bank (IPA's 25 themes). Prints the share of their items with an exact suggestion (the same
   item, or an item citing the same reference) and with one related by the crosswalk
   (``questionnaires/crosswalk.py``).
2. Time: a library of about 2,000 entries (13 earlier submissions of 150-item questionnaires, each of another
   key, their items citing the references the supply-chain bank cites, plus the supply-chain answers), and an
   assessment of 150 items that match them by reference. Measures R requests of its answering page (the Flask
   test client: the whole request, rendering included) against the floor: the same page of the same
   questionnaire for a supplier with an empty library. Prints p50 / p95 / max, the SQL statements one request
   sends, and the ratio to the floor. The aim (issue 20): p95 under 200 ms, a fixed number of statements.

Run with ``make bench`` or ``.venv/bin/python bench/reuse.py [R]``; needs PostgreSQL at
PORTAL_BENCH_DATABASE_URL (default: the ``test`` database on 127.0.0.1, in a schema of its own).
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import g

PASSWORD = "bench password 1"
ITEMS = 150
EARLIER = 13
AIM_MS = 200.0


def _definition(key: str, references: list[tuple[str, str]]) -> str:
    """A questionnaire of ITEMS T1 items in sections of 15, item n citing references[n] (cycled)."""
    lines = [
        f'format: 1\nkey: {key}\nversion: "1"\ntitle: {{ja: {key}, en: {key}}}\nsource: bench\nlicence: Apache-2.0',
        "scales:\n  s:\n    choices:",
        '      - {code: "yes", label: {ja: 実施している, en: y}, value: 1.0}',
        '      - {code: "no", label: {ja: 実施していない, en: n}, value: 0.0}',
        "sections:",
    ]
    for section in range(ITEMS // 15):
        lines.append(f"  - id: S{section}\n    title: {{ja: s{section}, en: s{section}}}\n    items:")
        for n in range(section * 15, section * 15 + 15):
            scheme, ref = references[n % len(references)]
            lines.append(
                f"      - id: Q{n:03d}\n        tier: T1\n        text: {{ja: q{n}, en: q{n}}}\n        scale: s\n"
                f'        references: {{{scheme}: ["{ref}"]}}'
            )
    return "\n".join(lines) + "\n"


def _company(name: str, email: str) -> Any:
    from portal.accounts.operations import create_user
    from portal.organizations.models import Role
    from portal.organizations.operations import add_member, create_organization

    organization = create_organization(name, by=None)
    owner = create_user(email=email, name=f"{name} 担当", password=PASSWORD)
    add_member(organization, owner, Role.SUPPLIER_OWNER, by=None)
    return organization, owner


def _request(
    buyer: Any, organization: Any, version: Any, name: str, *, submitted: datetime | None = None, tier: str = "T2"
) -> Any:
    """One buyer's launched request of ``version`` to the organisation at ``tier`` (submitted at ``submitted``)."""
    from portal.assessments.models import Assessment, AssessmentState
    from portal.campaigns.models import Campaign, CampaignState
    from portal.extensions import db
    from portal.suppliers.models import Supplier, Tier

    record = db.session.scalar(
        sa.select(Supplier).where(Supplier.buyer_id == buyer.id, Supplier.organization_id == organization.id)
    )
    if record is None:
        record = Supplier(
            buyer_id=buyer.id,
            organization_id=organization.id,
            name=organization.name,
            contact_email="c@example.com",
            tier=Tier.T2,
        )
        db.session.add(record)
    campaign = Campaign(
        buyer_id=buyer.id,
        name=name,
        questionnaire_version_id=version.id,
        due_date=date.today() + timedelta(days=30),
        state=CampaignState.LAUNCHED,
    )
    db.session.add(campaign)
    db.session.flush()
    assessment = Assessment(
        campaign_id=campaign.id,
        supplier_id=record.id,
        tier=Tier(tier),
        state=AssessmentState.ACCEPTED if submitted else AssessmentState.INVITED,
        submitted_at=submitted,
    )
    db.session.add(assessment)
    db.session.flush()
    return assessment


def _answer_all(assessment: Any, questionnaire: Any, owner: Any) -> int:
    """Answer every item of the assessment's tier in bulk (yes, with a comment); returns how many."""
    from portal.assessments.models import Answer
    from portal.assessments.rules import is_text_item
    from portal.extensions import db

    rows = [
        {
            "assessment_id": assessment.id,
            "item_id": item.id,
            "code": None if is_text_item(questionnaire, item) else questionnaire.scale_of(item).choices[0].code,
            "comment": f"{item.id} について実施済み（規程あり）",
            "updated_by_id": owner.id,
        }
        for item in questionnaire.items_for_tier(assessment.tier)
    ]
    db.session.execute(sa.insert(Answer), rows)
    return len(rows)


#: The requests opened after the supply-chain answers: (label, questionnaire key, tier).
COVERED = (
    ("meti-scs ★3 after supply-chain T2", "meti-scs", "T1"),
    ("ipa-self-check after supply-chain T2", "ipa-self-check", "T1"),
)


def coverage() -> list[tuple[str, int, int, int]]:
    """For each request of COVERED: its label, items, and how many have an exact and a related suggestion."""
    from portal.assessments.reuse import Match, suggestions_for
    from portal.catalog.models import QuestionnaireVersion
    from portal.catalog.operations import questionnaire_of
    from portal.extensions import db
    from portal.organizations.operations import create_organization

    versions = {v.key: v for v in db.session.scalars(sa.select(QuestionnaireVersion))}
    organization, owner = _company("ベンチ委託先株式会社", "reuse-owner@example.com")
    first = create_organization("第一発注元", by=None)
    supply_chain = versions["supply-chain"]
    earlier = _request(first, organization, supply_chain, "取引先確認", submitted=datetime.now(UTC))
    _answer_all(earlier, questionnaire_of(supply_chain), owner)
    requests = [
        (
            label,
            key,
            _request(create_organization(f"{key} の発注元", by=None), organization, versions[key], label, tier=tier),
        )
        for label, key, tier in COVERED
    ]
    db.session.commit()
    counts = []
    for label, key, request in requests:
        found = suggestions_for(request)
        items = len(questionnaire_of(versions[key]).items_for_tier(request.tier))
        exact = sum(1 for s in found.values() if s.match in (Match.SAME_ITEM, Match.SAME_REFERENCE))
        related = sum(1 for s in found.values() if s.match == Match.RELATED)
        counts.append((label, items, exact, related))
    return counts


def seed_library() -> tuple[str, int, str, int, int]:
    """The supplier with the library and the 150-item request, and one with none and the same request: their
    owners' e-mails and the assessments' ids, and the library's size."""
    from portal.assessments.models import Answer, Assessment
    from portal.catalog.models import QuestionnaireVersion
    from portal.catalog.operations import publish, questionnaire_of
    from portal.extensions import db
    from portal.organizations.models import Organization
    from portal.suppliers.models import Supplier
    from questionnaires import load_text

    supply_chain = questionnaire_of(
        db.session.scalars(sa.select(QuestionnaireVersion).where(QuestionnaireVersion.key == "supply-chain")).one()
    )
    references = sorted({(s, r) for item in supply_chain.items for s, refs in item.references.items() for r in refs})
    organization = db.session.scalars(sa.select(Organization).where(Organization.name == "ベンチ委託先株式会社")).one()
    owner_email = "reuse-owner@example.com"
    from portal.accounts.models import User

    owner = db.session.scalars(sa.select(User).where(User.email == owner_email)).one()
    start = datetime.now(UTC) - timedelta(days=400)
    for n in range(EARLIER):
        stored, _ = publish(
            load_text(_definition(f"earlier-{n}", references[n:] + references[:n]), "b.yaml"), origin="import"
        )
        buyer = Organization(name=f"発注元{n:02d}")
        db.session.add(buyer)
        db.session.flush()
        earlier = _request(buyer, organization, stored, f"確認{n}", submitted=start + timedelta(days=20 * n))
        _answer_all(earlier, questionnaire_of(stored), owner)
    target_version, _ = publish(load_text(_definition("target", references), "t.yaml"), origin="import")
    buyer = Organization(name="新しい発注元")
    db.session.add(buyer)
    db.session.flush()
    target = _request(buyer, organization, target_version, "新しい依頼")
    empty, empty_owner = _company("ライブラリのない委託先", "empty-owner@example.com")
    floor = _request(buyer, empty, target_version, "新しい依頼（比較）")
    db.session.commit()
    size = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Answer)
        .join(Assessment, Assessment.id == Answer.assessment_id)
        .join(Supplier, Supplier.id == Assessment.supplier_id)
        .where(Supplier.organization_id == organization.id, Assessment.submitted_at.is_not(None))
    )
    return owner_email, target.id, empty_owner.email, floor.id, size or 0


def main(repeats: int) -> int:
    from chain import line, measure, ok, p95, verdict  # bench/ is this script's sys.path[0]
    from scoring import page_bench_app, scratch_schema

    from portal.catalog.operations import load_builtin_questionnaires
    from portal.extensions import db

    with scratch_schema("bench_reuse") as (_, database_url):
        app = page_bench_app(database_url)
        with app.app_context():
            db.create_all()
            load_builtin_questionnaires()
            for label, items, exact, related in coverage():
                print(f"{label}: {items} items")
                print(f"  exact suggestion (item/reference) : {exact:3d}  ({exact / items:.0%})")
                print(f"  related by the crosswalk          : {related:3d}  ({related / items:.0%})")
                print(f"  none                              : {items - exact - related:3d}")
            started = time.perf_counter()
            owner, target, empty_owner, floor_id, size = seed_library()
            took = time.perf_counter() - started
            print(f"seeded                      : a library of {size} entries in {took:.1f} s")

            statements: list[str] = []
            sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
            results = {}
            for label, email, assessment_id in (
                ("floor: empty library", empty_owner, floor_id),
                (f"with suggestions ({ITEMS} items)", owner, target),
            ):
                # The requests share this app context, and with it the user and membership kept on ``g``.
                g.pop("_login_user", None)
                g.pop("membership", None)
                client = app.test_client()
                client.post("/sign-in", data={"email": email, "password": PASSWORD})
                path = f"/assessments/{assessment_id}"
                times = measure(lambda client=client, path=path: ok(client.get(path)), repeats)  # type: ignore[misc]
                statements.clear()
                page = ok(client.get(path)).get_data(as_text=True)
                results[label] = times
                shown = page.count('class="suggestion"')
                print(line(label, times, f"  {len(statements):3d} SQL statements, {shown} suggestions"))
            floor, ours = results.values()
            print(f"ratio to floor              : {statistics.median(ours) / statistics.median(floor):.2f}")
            failed = p95(ours) >= AIM_MS
            return verdict(failed, AIM_MS)


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:]]
    sys.exit(main(*(arguments + [30][len(arguments) :])))
