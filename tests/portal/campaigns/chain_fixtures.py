"""A three-level chain for the flow-down and citation tests: a prime's request to a tier-1 supplier whose owner
also administers its buyer side, and the tier-1's own subcontractors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from portal.accounts.models import User
from portal.assessments.models import Assessment
from portal.campaigns.flow_down import pass_down
from portal.campaigns.models import Campaign
from portal.campaigns.operations import launch_campaign
from portal.catalog.models import QuestionnaireVersion
from portal.extensions import db
from portal.organizations.models import Organization, Role
from portal.suppliers.models import Supplier, Tier
from tests.workflow_fixtures import WORKFLOW_DEFINITION, only_assessment

#: The workflow questionnaire whose staff section may cite subcontractors' assessments (as 委託先管理 does).
CITING_DEFINITION = WORKFLOW_DEFINITION.replace("key: workflow-check", "key: chain-check").replace(
    "  - id: staff\n    title: {ja: 従業員, en: Staff}\n",
    "  - id: staff\n    title: {ja: 従業員, en: Staff}\n    cites_subassessments: true\n",
)


@dataclass
class Chain:
    prime: Organization
    prime_admin: User
    tier1: Supplier
    #: The tier-1 supplier's owner, who also administers its buyer side (other_role).
    owner: User
    #: The prime's request to the tier-1 supplier.
    received: Assessment
    version: QuestionnaireVersion
    #: The tier-1's own subcontractors (active relationships).
    subs: list[Supplier]
    sub_owners: list[User]


@pytest.fixture(name="chain")
def chain_fixture(make_buyer: Any, make_supplier: Any, make_campaign: Any, make_version: Any) -> Chain:
    prime, prime_admin = make_buyer("元請商事")
    tier1, owner = make_supplier(prime, name="一次委託先", tier=Tier.T2)
    owner.memberships[0].other_role = Role.BUYER_ADMIN
    version = make_version(CITING_DEFINITION)
    received = only_assessment(make_campaign(prime, [tier1], by=prime_admin, version=version, due_in_days=40))
    subs, sub_owners = [], []
    for name in ("二次委託先A", "二次委託先B"):
        sub, sub_owner = make_supplier(tier1.organization, name=name)
        subs.append(sub)
        sub_owners.append(sub_owner)
    db.session.commit()
    return Chain(prime, prime_admin, tier1, owner, received, version, subs, sub_owners)


def passed_down(chain: Chain, subs: list[Supplier] | None = None, *, launch: bool = True) -> Campaign:
    """The tier-1's request to its subcontractors passed down from the prime's, at the same level."""
    campaign = pass_down(
        chain.received,
        by=chain.owner,
        name="再委託先への展開",
        due_date=date.today() + timedelta(days=20),
        supplier_ids=[s.id for s in subs or chain.subs],
        today=date.today(),
    )
    if launch:
        launch_campaign(campaign, by=chain.owner)
    db.session.commit()
    return campaign
