"""Which roles may do what: the table every page decorator, API operation and operation check asks.

The table is data, one row per action naming the roles allowed, so a new kind of membership (an
organisation acting on both sides) extends rows instead of editing checks across the views. Whether
the object at hand is the member's own (their organisation's supplier, assessment, file) is decided
where the object is looked up, or by a subject rule in ``portal.policy``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from portal.organizations.models import ADMIN_ROLES, BUYER_ROLES, SUPPLIER_ROLES, Role

EVERYONE = BUYER_ROLES | SUPPLIER_ROLES
DECIDERS = frozenset({Role.BUYER_ADMIN, Role.REVIEWER})


class Action(enum.StrEnum):
    ASSESSMENT_READ = "assessment.read"
    ASSESSMENT_ANSWER = "assessment.answer"
    ASSESSMENT_ASSIGN = "assessment.assign"
    ASSESSMENT_SUBMIT = "assessment.submit"
    ASSESSMENT_TELL_READY = "assessment.tell_ready"
    EVIDENCE_DOWNLOAD = "evidence.download"
    REVIEW_READ = "review.read"
    REVIEW_DECIDE = "review.decide"
    CAMPAIGN_READ = "campaign.read"
    CAMPAIGN_MANAGE = "campaign.manage"
    SUPPLIER_READ = "supplier.read"
    SUPPLIER_MANAGE = "supplier.manage"
    CORRECTIVE_ACTION_READ = "corrective_action.read"
    CORRECTIVE_ACTION_PLAN = "corrective_action.plan"
    CORRECTIVE_ACTION_REVIEW_PLAN = "corrective_action.review_plan"
    CORRECTIVE_ACTION_SEND_EVIDENCE = "corrective_action.send_evidence"
    CORRECTIVE_ACTION_CLOSE = "corrective_action.close"
    AUDIT_READ = "audit.read"
    AUDIT_PROPOSE_DATE = "audit.propose_date"
    AUDIT_RUN = "audit.run"
    EXPORT_REQUEST = "export.request"
    EXPORT_FETCH = "export.fetch"
    EXPORT_PORTFOLIO = "export.portfolio"
    EXPORT_AUDIT = "export.audit"
    QUESTIONNAIRE_READ = "questionnaire.read"
    QUESTIONNAIRE_MANAGE = "questionnaire.manage"
    QUESTIONNAIRE_BROWSE = "questionnaire.browse"
    MEMBERS_MANAGE = "members.manage"
    RELATIONSHIP_READ = "relationship.read"
    RELATIONSHIP_ANSWER = "relationship.answer"
    RELATIONSHIP_SHARING = "relationship.sharing"
    CLAIM_READ = "claim.read"
    CLAIM_MANAGE = "claim.manage"
    OPERATE = "portal.operate"


#: action → the membership roles that may do it (lists and reads show each organisation only its own)
ROLES: Mapping[Action, frozenset[Role]] = {
    Action.ASSESSMENT_READ: EVERYONE,
    Action.ASSESSMENT_ANSWER: SUPPLIER_ROLES,
    Action.ASSESSMENT_ASSIGN: frozenset({Role.SUPPLIER_OWNER}),
    # The responders answer; the owner submits for the organisation (§2).
    Action.ASSESSMENT_SUBMIT: frozenset({Role.SUPPLIER_OWNER}),
    Action.ASSESSMENT_TELL_READY: frozenset({Role.SUPPLIER_RESPONDER}),
    Action.EVIDENCE_DOWNLOAD: EVERYONE,
    Action.REVIEW_READ: BUYER_ROLES,
    Action.REVIEW_DECIDE: DECIDERS,
    Action.CAMPAIGN_READ: BUYER_ROLES,
    Action.CAMPAIGN_MANAGE: frozenset({Role.BUYER_ADMIN}),
    Action.SUPPLIER_READ: BUYER_ROLES,
    Action.SUPPLIER_MANAGE: frozenset({Role.BUYER_ADMIN}),
    Action.CORRECTIVE_ACTION_READ: EVERYONE,
    # the supplier proposes (and revises) the plan, then sends evidence of the fix
    Action.CORRECTIVE_ACTION_PLAN: SUPPLIER_ROLES,
    Action.CORRECTIVE_ACTION_SEND_EVIDENCE: SUPPLIER_ROLES,
    # the reviewer accepts the plan of a review finding or asks for more, and closes it once the evidence
    # is verified (or asks for more); the auditor does the same for an audit finding
    Action.CORRECTIVE_ACTION_REVIEW_PLAN: BUYER_ROLES,
    Action.CORRECTIVE_ACTION_CLOSE: BUYER_ROLES,
    Action.AUDIT_READ: EVERYONE,
    Action.AUDIT_PROPOSE_DATE: SUPPLIER_ROLES,
    Action.AUDIT_RUN: BUYER_ROLES,
    Action.EXPORT_REQUEST: EVERYONE,
    Action.EXPORT_FETCH: EVERYONE,
    Action.EXPORT_PORTFOLIO: BUYER_ROLES,
    Action.EXPORT_AUDIT: BUYER_ROLES,
    Action.QUESTIONNAIRE_READ: EVERYONE,
    # A buyer's own questionnaires: its administrators upload, edit and publish them.
    Action.QUESTIONNAIRE_MANAGE: frozenset({Role.BUYER_ADMIN}),
    # The buyer's catalogue pages (versions, what changed, downloads): its staff read them; suppliers read
    # only what their assessments show.
    Action.QUESTIONNAIRE_BROWSE: BUYER_ROLES,
    Action.MEMBERS_MANAGE: ADMIN_ROLES,
    # A company's buyers, their requests to add it and what each may see of its own suppliers: its
    # administrators on either side decide (a buyer-only company may be asked to become a supplier).
    Action.RELATIONSHIP_READ: ADMIN_ROLES,
    Action.RELATIONSHIP_ANSWER: ADMIN_ROLES,
    Action.RELATIONSHIP_SHARING: ADMIN_ROLES,
    # The supplier's certificates and declarations (認証・宣言): its people see them, its owner records them;
    # its buyers see the valid ones through SUPPLIER_READ.
    Action.CLAIM_READ: SUPPLIER_ROLES,
    Action.CLAIM_MANAGE: frozenset({Role.SUPPLIER_OWNER}),
    # the portal's own staff: a flag on the user (``User.is_operator``), no role in an organisation
    Action.OPERATE: frozenset(),
}
#: what the portal's operators may do, whatever organisation they belong to
OPERATOR_ACTIONS = frozenset({Action.OPERATE})


def role_may(role: Role | None, action: Action) -> bool:
    return role is not None and role in ROLES[action]
