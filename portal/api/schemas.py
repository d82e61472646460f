"""The API's request and response bodies; the OpenAPI document's schemas are generated from these."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

#: No control characters except tab and line breaks: PostgreSQL refuses NUL, and the rest is never wanted.
_PLAIN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[
        str, StringConstraints(strip_whitespace=False, min_length=min_length, max_length=max_length, pattern=_PLAIN)
    ]


Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
TierCode = Literal["T1", "T2", "T3"]
Lang = Literal["ja", "en"]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Reply(BaseModel):
    pass


# Errors and pages ------------------------------------------------------------------------------


class FieldProblem(Reply):
    field: str
    message: str


class ErrorDetail(Reply):
    code: str
    message: str
    #: for 400: each invalid field; for 422: each missing item
    fields: list[FieldProblem] | None = None
    missing: list[MissingItem] | None = None


class MissingItem(Reply):
    item: str
    #: ``unanswered``, ``na_reason`` or ``evidence``
    reason: str


class ErrorBody(Reply):
    error: ErrorDetail


T = TypeVar("T")


class Page(Reply, Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int


class PageQuery(Request):
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(50, ge=1, le=200)


# Questionnaires ------------------------------------------------------------------------------


class LocalText(Reply):
    ja: str
    en: str


class QuestionnaireSummary(Reply):
    key: str
    version: str
    title: LocalText
    item_count: int
    scoring_model: str


class QuestionnaireDetail(QuestionnaireSummary):
    #: The definition as published: scales, sections with their items (tier, text, weight, evidence rule …).
    definition: dict[str, Any]


# Suppliers ------------------------------------------------------------------------------------


ContactEmail = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+$")]


class SupplierCreate(Request):
    name: text(200, 1)  # type: ignore[valid-type]
    contact_email: ContactEmail
    tier: TierCode
    #: needed when the tier differs from what the intake answers suggest
    tier_reason: text(2000) | None = None  # type: ignore[valid-type]
    #: the 13-digit 法人番号 (check digit checked); a company already on the portal with this number, or whose
    #: administrator is the contact, is asked to accept the buyer (``status`` ``requested``) instead of invited
    corporate_number: text(40) | None = None  # type: ignore[valid-type]


class SupplierPatch(Request):
    """Only the fields given change; a new contact is not invited, and once anyone has joined the supplier's
    organisation only its own administrators invite people into it."""

    name: text(200, 1) | None = None  # type: ignore[valid-type]
    contact_email: ContactEmail | None = None
    tier: TierCode | None = None
    #: with ``tier``: needed when it differs from what the intake answers suggest
    tier_reason: text(2000) | None = None  # type: ignore[valid-type]


RelationshipState = Literal["requested", "active", "declined"]
SharingCode = Literal["nothing", "names_and_grades", "full"]


class SupplierOut(Reply):
    id: int
    name: str
    contact_email: str
    tier: TierCode
    tier_reason: str | None
    corporate_number: str | None
    #: ``requested``: the company was already on the portal and has not accepted the buyer yet (nothing of
    #: it is shown, nothing can be sent to it); ``declined``: it declined
    status: RelationshipState
    #: the supplier's own organisation; null until it has accepted the buyer
    organization_id: int | None


class RelationshipRequestOut(Reply):
    """A buyer's request to add the calling company as its supplier."""

    id: int
    buyer_id: int
    buyer_name: str
    requested_by: str | None
    requested_at: datetime


class BuyerRelationshipOut(Reply):
    """One of the calling company's buyers, and what that buyer may see of the company's own suppliers."""

    id: int
    buyer_id: int
    buyer_name: str
    since: datetime
    sharing: SharingCode


class RelationshipsOut(Reply):
    requests: list[RelationshipRequestOut]
    buyers: list[BuyerRelationshipOut]


class RelationshipOut(Reply):
    id: int
    buyer_id: int
    buyer_name: str
    status: RelationshipState
    sharing: SharingCode
    responded_at: datetime | None


class SharingChange(Request):
    sharing: SharingCode


# Campaigns ------------------------------------------------------------------------------------


class QuestionnaireRef(Request):
    key: text(64, 1)  # type: ignore[valid-type]
    version: text(32, 1)  # type: ignore[valid-type]


class CampaignCreate(Request):
    name: text(200, 1)  # type: ignore[valid-type]
    questionnaire: QuestionnaireRef
    #: null: each supplier is asked at the tier of its own record
    tier: TierCode | None = None
    due_date: date
    pass_threshold: float = Field(80.0, ge=0, le=100, allow_inf_nan=False)
    supplier_ids: list[Id] = Field(min_length=1, max_length=5000)
    show_score_to_supplier: bool = True


class AssessmentRef(Reply):
    id: int
    supplier_id: int


class CampaignOut(Reply):
    id: int
    name: str
    state: str
    questionnaire: dict[str, str]
    tier: TierCode | None
    #: the questionnaire's name for ``tier`` (★4; T2 標準 for a questionnaire that does not name its levels)
    level_name: LocalText | None = None
    due_date: date
    pass_threshold: float
    show_score_to_supplier: bool
    assessments: list[AssessmentRef]


# Assessments ---------------------------------------------------------------------------------


EVIDENCE_NOTE = (
    "An explanation written instead of an evidence file: enough to submit, but the item counts as lacking "
    "evidence for passed until a reviewer accepts it."
)


class AnswerOut(Reply):
    code: str | None
    comment: str | None
    na_reason: str | None
    evidence_note: str | None = Field(description=EVIDENCE_NOTE)
    version: int


class EvidenceRuleOut(Reply):
    required: Literal["never", "always", "if_implemented"] = Field(
        description="never; always (any answer); if_implemented (the answer yes, 実施している, only: not partial)"
    )
    kinds: list[str]
    answers: list[str] = Field(
        description="The answer codes that need an evidence file (or an evidence_note instead) before submitting"
    )
    label: LocalText = Field(description="The rule in words, as the pages and checksheets show it")


class ItemReview(Reply):
    decision: Literal["accepted", "clarification", "nonconforming"]
    comment: str | None


class EvidenceProblemOut(Reply):
    evidence_id: int
    reason: Literal["expired", "too_old", "wrong_kind"]
    #: why, in the request's language
    message: str


class ItemOut(Reply):
    id: str
    section: str
    tier: TierCode
    #: the questionnaire's name for the item's ``tier`` (★3; T1 基本 for a questionnaire that does not name its levels)
    level_name: LocalText
    text: LocalText
    #: null for a supplier when the buyer does not show scores
    weight: float | None
    required: bool
    #: null for a supplier when the buyer does not show scores
    critical: bool | None
    evidence: EvidenceRuleOut
    #: whether the item applies given the answers so far (visibility conditions)
    visible: bool
    #: for a buyer: null until the supplier submits (and, while returned for clarification, on reopened items)
    answer: AnswerOut | None
    #: for a buyer: empty when ``answer`` is withheld
    evidence_ids: list[int]
    #: the reviewer's decision (for a supplier: only those the reviewer shares)
    review: ItemReview | None
    #: while the assessment is open or in review: the attached files that do not satisfy the item's evidence
    #: rule today (expired, too old, of another kind), which the score does not count
    evidence_problems: list[EvidenceProblemOut]


class AssessmentSummary(Reply):
    id: int
    campaign_id: int
    supplier_id: int
    supplier_name: str
    state: str
    tier: TierCode
    #: the questionnaire's name for ``tier`` (★4; T2 標準 for a questionnaire that does not name its levels)
    level_name: LocalText
    due_date: date
    submitted_at: datetime | None


class LevelOut(Reply):
    tier: TierCode
    level_name: LocalText
    #: meti_scs: the share of met in-scope criteria of this level; jama_levels: the cumulative rate
    rate: float | None
    achieved: bool
    #: the item ids of this level not met, in questionnaire order
    unmet: list[str]


class LevelsOut(Reply):
    #: the highest level achieved; null when none is
    achieved: TierCode | None
    requested: TierCode
    per_level: list[LevelOut]


class ScoreResultOut(Reply):
    model: str
    overall: float | None
    grade: str | None
    passed: bool
    risk: str
    points: float | None
    reasons: list[dict[str, Any]]
    sections: list[dict[str, Any]]
    tiers_exact: dict[str, float | None]
    tiers_cumulative: dict[str, float | None]
    counts: dict[str, int]
    #: level-based models (meti_scs, jama_levels) only: each level's verdict; null for graded models
    levels: LevelsOut | None = None
    #: level-based models only: the verdict in words, e.g. ★3 達成 / ★4 未達
    verdict: LocalText | None = None


class ScoreOut(Reply):
    state: Literal["queued", "running", "done", "failed"]
    error: str | None = None
    self: ScoreResultOut | None
    reviewed: ScoreResultOut | None


class ProgressOut(Reply):
    answered: int
    #: items that apply given the answers so far (items hidden by a condition count in neither number)
    in_scope: int


class RegistrationOut(Reply):
    """The METI SCS registration an assessment is answered by instead of answers (a campaign that accepts one)."""

    #: 3 (★3) or 4 (★4)
    level: int
    #: the registration id
    number: str
    valid_until: date | None
    #: not past its valid-until date today
    valid: bool
    #: the reviewer verified and accepted it; with ``valid``, the assessment is satisfied by the registration
    accepted: bool


class AssessmentDetail(AssessmentSummary):
    questionnaire: dict[str, str]
    #: what a buyer sees of an assessment not submitted yet, instead of the answers
    progress: ProgressOut
    items: list[ItemOut]
    score: ScoreOut | None
    #: answered by a METI SCS registration instead of answers; null when answered (or to be answered) normally
    satisfied_by_registration: RegistrationOut | None = None


class AnswerIn(Request):
    item: text(64, 1)  # type: ignore[valid-type]
    code: text(64) | None = None  # type: ignore[valid-type]
    comment: text(10_000) | None = None  # type: ignore[valid-type]
    na_reason: text(10_000) | None = None  # type: ignore[valid-type]
    evidence_note: text(5_000) | None = Field(  # type: ignore[valid-type]
        None, description=EVIDENCE_NOTE + " Left out, the stored one is kept; null or empty removes it."
    )
    #: the answer's ``version`` as last read (0 for a new answer); a different current version is a 409
    version: int = Field(0, ge=0, le=2**31 - 1)


class AnswersIn(Request):
    answers: list[AnswerIn] = Field(min_length=1, max_length=1000)


class AnswersSaved(Reply):
    answers: dict[str, AnswerOut]


class EvidenceOut(Reply):
    id: int
    sha256: str
    filename: str
    size: int
    items: list[str]
    kind: str | None = None
    #: The document's own date (作成日) and a certificate's expiry (有効期限), when given.
    document_date: date | None = None
    valid_until: date | None = None


class SubmitOut(Reply):
    id: int
    state: str
    score_url: str


class DecisionIn(Request):
    item: text(64, 1)  # type: ignore[valid-type]
    decision: Literal["accepted", "clarification", "nonconforming"]
    comment: text(10_000) | None = None  # type: ignore[valid-type]
    visible_to_supplier: bool = True


class ActionIn(Request):
    item: text(64, 1)  # type: ignore[valid-type]
    owner: text(120, 1)  # type: ignore[valid-type]
    due_date: date
    title: text(300) | None = None  # type: ignore[valid-type]


class ReviewIn(Request):
    decisions: list[DecisionIn] = Field(default_factory=list, max_length=1000)
    #: what to do after recording the decisions; none: only record them
    action: Literal["return", "accept", "accept_with_conditions", "reject"] | None = None
    comment: text(10_000) | None = None  # type: ignore[valid-type]
    #: one per nonconforming item, for accept_with_conditions and reject
    corrective_actions: list[ActionIn] = Field(default_factory=list, max_length=1000)


class ReviewOut(Reply):
    id: int
    state: str
    decisions: dict[str, str]
    corrective_action_ids: list[int]


# Exports and imports --------------------------------------------------------------------------


class ExportIn(Request):
    kind: Literal["checksheet", "portfolio", "audit"]
    assessment_id: Id | None = None
    #: for an audit report
    audit_id: Id | None = None
    #: for a portfolio: one campaign, or none for all suppliers
    campaign_id: Id | None = None
    lang: Lang = "ja"


class ExportOut(Reply):
    id: int
    kind: str
    state: Literal["queued", "running", "done", "failed"]
    done: int
    total: int
    error: str | None
    download_url: str | None


class ImportChange(Reply):
    item: str
    #: the row of the checksheet sheet it was read from
    row: int
    old_code: str | None
    new_code: str | None
    old_comment: str | None
    new_comment: str | None
    old_na_reason: str | None
    new_na_reason: str | None
    old_evidence_note: str | None = None
    new_evidence_note: str | None = None
    #: the version of the answer the old values were read from (0: no answer yet); the confirm step leaves
    #: the item alone when the answer is no longer at this version
    base_version: int


class ImportProblem(Reply):
    code: str
    sheet: str
    cell: str
    message: str


class ImportPreviewOut(Reply):
    id: int
    ok: bool
    changes: list[ImportChange]
    problems: list[ImportProblem]
    confirm_url: str | None


class ImportValues(Reply):
    code: str | None
    #: the answer's label in the request's language
    answer: str | None
    comment: str | None
    na_reason: str | None
    evidence_note: str | None = None


class ImportConflictOut(Reply):
    """A previewed change not applied: the answer was saved by someone else after the preview."""

    item: str
    question: str
    message: str
    #: the answer as saved now, left as it is
    current: ImportValues
    #: what the file would have set
    file: ImportValues


class ImportApplied(Reply):
    id: int
    changed: int
    conflicts: list[ImportConflictOut]


ErrorDetail.model_rebuild()


# Audits ---------------------------------------------------------------------------------------


class AuditCreate(Request):
    supplier_id: Id
    questionnaire: QuestionnaireRef
    #: null: the supplier's own tier
    tier: TierCode | None = None
    #: section ids in scope; empty: all
    sections: list[text(64, 1)] = Field(default_factory=list, max_length=100)  # type: ignore[valid-type]
    mode: Literal["on_site", "remote"]
    planned_date: date
    participants: text(2000) | None = None  # type: ignore[valid-type]


class AuditResultIn(Request):
    item: text(64, 1)  # type: ignore[valid-type]
    result: Literal["verified", "not_verified", "observation", "not_checked"] | None = None
    note: text(10_000) | None = None  # type: ignore[valid-type]
    #: the result's ``version`` as last read (0 for a new one); a different current version is a 409
    version: int = Field(0, ge=0, le=2**31 - 1)


class AuditResultsIn(Request):
    results: list[AuditResultIn] = Field(min_length=1, max_length=1000)


class AuditResultOut(Reply):
    item: str
    result: Literal["verified", "not_verified", "observation", "not_checked"] | None
    note: str | None
    version: int


class ProposalIn(Request):
    proposed_date: date
    note: text(1000) | None = None  # type: ignore[valid-type]


class FindingIn(Request):
    item: text(64, 1) | None = None  # type: ignore[valid-type]
    severity: Literal["major", "minor", "observation"]
    description: text(10_000, 1)  # type: ignore[valid-type]
    owner: text(120, 1)  # type: ignore[valid-type]
    due_date: date


class AuditCloseIn(Request):
    findings: list[FindingIn] = Field(default_factory=list, max_length=500)
    summary: text(10_000) | None = None  # type: ignore[valid-type]


class FindingOut(Reply):
    item: str | None
    severity: Literal["major", "minor", "observation"]
    description: str
    corrective_action_id: int | None


class PhotoOut(Reply):
    id: int
    item: str | None
    filename: str
    sha256: str
    size: int


class AuditOut(Reply):
    id: int
    supplier_id: int
    supplier_name: str
    questionnaire: dict[str, str]
    tier: TierCode
    sections: list[str]
    mode: Literal["on_site", "remote"]
    planned_date: date
    state: Literal["planned", "in_progress", "closed", "cancelled"]
    participants: str | None
    proposed_date: date | None
    proposal_note: str | None
    reference_assessment_id: int | None
    findings: list[FindingOut]
    #: the buyer's staff only (null for the supplier): results with internal notes, photos, summary
    results: list[AuditResultOut] | None = None
    photos: list[PhotoOut] | None = None
    summary: str | None = None


# The chain below a supplier -------------------------------------------------------------------------


Grade = Literal["A", "B", "C", "D"]


class ChainNodeOut(Reply):
    """One company of the chain: the buyer's own supplier (depth 1) or a sub-supplier (再委託先) below it."""

    name: str
    depth: int
    #: what the buyer sees of this company: ``full`` for its own supplier and where every level above shares its
    #: full results, else ``names_and_grades``
    shown: Literal["names_and_grades", "full"]
    grade: Grade | None
    #: the latest assessment's state and due date, and the open corrective actions: null unless ``shown`` is full
    state: str | None
    due_date: date | None
    overdue: bool | None
    open_actions: int | None
    #: true where the company does not share its own suppliers (非公開): none is listed, whether or not it has any
    suppliers_hidden: bool
    #: the weakest grade of this company and of every company listed below it
    weakest_grade: Grade | None
    suppliers: list[ChainNodeOut]


class ChainOut(Reply):
    supplier_id: int
    #: the lowest grade in the chain as far as it is shared (the supplier list's 最も低い評価)
    weakest_grade: Grade | None
    chain: ChainNodeOut
