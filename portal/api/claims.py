"""A supplier's valid certificates and declarations, for a buyer it has accepted."""

from __future__ import annotations

from datetime import date
from typing import Literal

from portal.api.framework import operation
from portal.api.schemas import Reply
from portal.claims.models import Claim
from portal.claims.operations import valid_claims
from portal.organizations.models import Membership
from portal.policy import Action
from portal.suppliers.operations import get_supplier

ClaimKindCode = Literal["isms", "privacy_mark", "security_action", "meti_scs"]


class ClaimOut(Reply):
    kind: ClaimKindCode
    #: the certificate number, the SECURITY ACTION declaration id or the SCS registration id
    number: str
    #: SECURITY ACTION 1 (★) or 2 (★★); METI SCS 3 or 4; null for ISMS and PrivacyMark
    level: int | None
    #: ISMS only
    certification_body: str | None
    #: ISMS only
    scope: str | None
    #: METI SCS ★4 only
    evaluator: str | None
    #: null for a SECURITY ACTION declaration, which does not expire
    valid_until: date | None


class ClaimsOut(Reply):
    supplier_id: int
    #: only the claims valid today; empty until the supplier has accepted the buyer
    claims: list[ClaimOut]


def claim_out(claim: Claim) -> ClaimOut:
    return ClaimOut(
        kind=str(claim.kind),  # type: ignore[arg-type]
        number=claim.number,
        level=claim.level,
        certification_body=claim.certification_body,
        scope=claim.scope,
        evaluator=claim.evaluator,
        valid_until=claim.valid_until,
    )


@operation(
    "/suppliers/<int:supplier_id>/claims",
    "GET",
    summary=(
        "The supplier's valid certificates and declarations (ISMS, PrivacyMark, SECURITY ACTION, METI SCS), "
        "once it has accepted the buyer"
    ),
    tag="suppliers",
    action=Action.SUPPLIER_READ,
    response=ClaimsOut,
    errors=(404,),
)
def list_claims(membership: Membership, supplier_id: int) -> ClaimsOut:
    supplier = get_supplier(membership.organization, supplier_id)
    return ClaimsOut(supplier_id=supplier.id, claims=[claim_out(c) for c in valid_claims(supplier, date.today())])
