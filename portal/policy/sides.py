"""Which side of the supply chain a membership works on, and so whose objects its pages show.

A buyer's staff read the assessments, audits and corrective actions of the buyer's suppliers (and see the
buyer's pages of them); a supplier's people read their own. The pages and API endpoints that show one side's
view or the other ask here rather than comparing roles. A person who works on both sides of one organisation
acts on one of them per request (``Membership.acting_role``).
"""

from __future__ import annotations

from typing import TypeGuard

from portal.organizations.models import BUYER_ROLES, SUPPLIER_ROLES, Membership


def on_buyer_side(membership: Membership | None) -> TypeGuard[Membership]:
    return membership is not None and membership.acting_role in BUYER_ROLES


def on_supplier_side(membership: Membership | None) -> TypeGuard[Membership]:
    return membership is not None and membership.acting_role in SUPPLIER_ROLES
