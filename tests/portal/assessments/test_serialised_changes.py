"""Submitting and changing answers or evidence take the assessment's lock: nothing lands after a submission.

Each test runs on SQLite and PostgreSQL, with requests in threads on their own connections.
"""

from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
import sqlalchemy as sa

from portal.assessments.models import Answer, AnswerEvidence, Assessment, AssessmentState
from portal.assessments.operations import AnswerInput, attach_evidence, save_answer
from portal.evidence.models import Evidence
from portal.extensions import db
from portal.scoring.models import AssessmentScore
from tests.conftest import sign_in
from tests.parallel import at_once, held_at_first_write
from tests.portal.api.helpers import token_for
from tests.portal.assessments.helpers import PDF, setup
from tests.portal.assessments.helpers import save as save_page
from tests.portal.reports.test_offline_pages import download_checksheet, fill
from tests.workflow_fixtures import generated_definition

pytestmark = pytest.mark.both_databases  # the dialects differ here (locks, upserts, SKIP LOCKED)

#: "This assessment has already been submitted." in the default language.
SUBMITTED = "この評価はすでに提出されています。"


def evidence_file(assessment: Assessment, name: str) -> Evidence:
    evidence = Evidence(
        organization_id=assessment.supplier.organization_id,
        sha256=name.encode().hex().ljust(64, "0")[:64],
        size=3,
        filename=name,
        content_type="application/pdf",
    )
    db.session.add(evidence)
    db.session.flush()
    return evidence


def ready_to_submit(make_buyer: Any, make_supplier: Any, make_campaign: Any) -> tuple[Assessment, Any, dict]:
    """Every item answered ("no"; POL-01 "yes" with its policy), one more file on STF-02 and one in the library."""
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    for item_id, code in {"POL-01": "yes", "STF-01": "no", "STF-02": "no"}.items():
        save_answer(assessment, AnswerInput(item_id, code, None, None, 0), by=owner)
    attach_evidence(assessment, "POL-01", evidence_file(assessment, "方針.pdf"), by=owner)
    extra = evidence_file(assessment, "手順.pdf")
    attach_evidence(assessment, "STF-02", extra, by=owner)
    spare = evidence_file(assessment, "記録.pdf")
    db.session.commit()
    version = db.session.scalar(sa.select(Answer.version).where(Answer.item_id == "STF-01"))
    return assessment, owner, {"extra": extra.id, "spare": spare.id, "version": version}


def answers_and_evidence(assessment: Assessment) -> tuple[dict, list]:
    db.session.expire_all()
    answers = {a.item_id: (a.code, a.comment, a.version) for a in db.session.scalars(sa.select(Answer))}
    links = sorted(
        db.session.execute(
            sa.select(AnswerEvidence.item_id, AnswerEvidence.evidence_id).where(
                AnswerEvidence.assessment_id == assessment.id
            )
        ).all()
    )
    return answers, links


def scored_codes(assessment: Assessment) -> dict[str, str | None]:
    """The answer codes the stored score was computed from."""
    db.session.expire_all()
    score = db.session.scalar(sa.select(AssessmentScore).where(AssessmentScore.assessment_id == assessment.id))
    assert score is not None and score.self_result is not None
    items = score.self_result["items"]
    return {item_id: code for item_id, code in zip(items["item_id"], items["code"], strict=True) if code is not None}


def stored_codes(assessment: Assessment) -> dict[str, str | None]:
    return dict(
        db.session.execute(sa.select(Answer.item_id, Answer.code).where(Answer.assessment_id == assessment.id)).all()
    )


#: Changes a supplier makes while the owner submits, each as the page or the API sends it.
CHANGES: dict[str, Callable[[Any, Any, Assessment, dict], Any]] = {
    "page autosave": lambda page, api, a, ids: page.post(
        f"/assessments/{a.id}/items/STF-01", json={"code": "yes", "comment": "遅れた回答", "version": ids["version"]}
    ),
    "plain form": lambda page, api, a, ids: page.post(
        f"/assessments/{a.id}/items/STF-01",
        data={"code": "yes", "comment": "遅れた回答", "version": str(ids["version"])},
    ),
    "API answers": lambda page, api, a, ids: page.put(
        f"/api/v1/assessments/{a.id}/answers",
        json={"answers": [{"item": "STF-01", "code": "yes", "comment": "遅れた回答", "version": ids["version"]}]},
        headers=api,
    ),
    "page upload": lambda page, api, a, ids: page.post(
        f"/assessments/{a.id}/items/STF-01/evidence",
        data={"files": [(BytesIO(PDF), "遅れた証跡.pdf")]},
        content_type="multipart/form-data",
    ),
    "API upload": lambda page, api, a, ids: page.post(
        f"/api/v1/assessments/{a.id}/evidence",
        data={"file": (BytesIO(PDF), "遅れた証跡.pdf"), "items": "STF-01"},
        content_type="multipart/form-data",
        headers=api,
    ),
    "attach from the library": lambda page, api, a, ids: page.post(
        f"/assessments/{a.id}/items/STF-01/evidence/attach", data={"evidence_id": ids["spare"]}
    ),
    "detach": lambda page, api, a, ids: page.post(f"/assessments/{a.id}/items/STF-02/evidence/{ids['extra']}/detach"),
    "offline import": lambda page, api, a, ids: page.post(ids["import_url"]),
}


def uploaded_workbook(page: Any, assessment: Assessment) -> str:
    """A checksheet changing STF-01, uploaded and previewed: the address that confirms it."""
    filled = fill(download_checksheet(page, assessment), {"STF-01": "実施している"})
    return page.post(
        f"/assessments/{assessment.id}/offline",
        data={"file": (BytesIO(filled), "answers.xlsx")},
        content_type="multipart/form-data",
    ).headers["Location"]


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_that_read_the_assessment_before_a_submission_is_refused_after_it(
    app, make_buyer, make_supplier, make_campaign, change
):
    """The submission commits between the change's reads and its first write: the change must not land."""
    assessment, owner, ids = ready_to_submit(make_buyer, make_supplier, make_campaign)
    api = token_for(owner)
    page, submitter = app.test_client(), app.test_client()
    sign_in(page, owner.email)
    if change == "offline import":
        ids["import_url"] = uploaded_workbook(page, assessment)
    before = answers_and_evidence(assessment)
    submitted = []

    def submit() -> None:
        submitted.append(submitter.post(f"/api/v1/assessments/{assessment.id}/submit", headers=api))

    with held_at_first_write(app, submit):
        response = CHANGES[change](page, api, assessment, ids)

    assert submitted[0].status_code == 202, submitted[0].get_json()
    if response.is_json:
        assert response.status_code == 409
        assert response.get_json()["error"]["message"] == SUBMITTED
    else:  # the pages without JavaScript say it on the page they go back to
        assert response.status_code == 302
        assert SUBMITTED in page.get(response.headers["Location"]).get_data(as_text=True)
    assert answers_and_evidence(assessment) == before
    db.session.refresh(assessment)
    assert assessment.state == AssessmentState.SUBMITTED
    assert scored_codes(assessment) == stored_codes(assessment)


def test_many_saves_racing_a_submission_land_before_it_or_are_refused(
    app, make_buyer, make_supplier, make_campaign, make_version
):
    """Real parallel requests: each save lands before the submission (and is scored) or gets "already submitted"."""
    items = 40
    assessment, _, owner = setup(
        make_buyer, make_supplier, make_campaign, version=make_version(generated_definition(items))
    )
    for n in range(items):
        save_answer(assessment, AnswerInput(f"Q{n:03d}", "no", None, None, 0), by=owner)
    db.session.commit()
    versions = dict(db.session.execute(sa.select(Answer.item_id, Answer.version)).all())
    api = token_for(owner)
    url = f"/api/v1/assessments/{assessment.id}"

    def saving(item_id: str) -> Callable[[], Any]:
        body = {"answers": [{"item": item_id, "code": "yes", "version": versions[item_id]}]}
        return lambda: app.test_client().put(f"{url}/answers", json=body, headers=api)

    def submitting() -> Any:
        return app.test_client().post(f"{url}/submit", headers=api)

    calls = [saving(f"Q{n:03d}") for n in range(items)]
    calls.insert(items // 2, submitting)
    responses = at_once(app, calls)

    submit = responses.pop(items // 2)
    assert submit.status_code == 202, submit.get_json()
    codes = stored_codes(assessment)
    for n, response in enumerate(responses):
        if response.status_code == 200:
            assert codes[f"Q{n:03d}"] == "yes"
        else:
            assert (response.status_code, response.get_json()["error"]["message"]) == (409, SUBMITTED)
            assert codes[f"Q{n:03d}"] == "no"
    assert scored_codes(assessment) == codes


@pytest.mark.parametrize("first", [True, False], ids=["first answer", "changed answer"])
def test_parallel_autosaves_of_one_item_at_one_version_one_wins_and_the_rest_get_409(
    app, make_buyer, make_supplier, make_campaign, first
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    clients = [app.test_client() for _ in range(20)]
    for client in clients:
        sign_in(client, owner.email)
    version = 0 if first else save_page(clients[0], assessment, "STF-01", code="no").get_json()["version"]

    def saving(n):
        return lambda: save_page(clients[n], assessment, "STF-01", version, code="yes", comment=f"回答{n}")

    responses = at_once(app, [saving(n) for n in range(len(clients))])

    assert sorted(response.status_code for response in responses) == [200] + [409] * (len(clients) - 1)
    (winner,) = [n for n, response in enumerate(responses) if response.status_code == 200]
    stored = db.session.scalar(sa.select(Answer).where(Answer.item_id == "STF-01"))
    assert (stored.comment, stored.version) == (f"回答{winner}", version + 1)
    for response in responses:
        if response.status_code == 409:  # the colleague's answer comes back, so the page can offer both
            assert response.get_json()["current"]["comment"] == f"回答{winner}"


def test_one_transaction_takes_the_assessments_lock_once_however_many_answers_it_saves(
    app, make_buyer, make_supplier, make_campaign
):
    assessment, _, owner = setup(make_buyer, make_supplier, make_campaign)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        for item_id in ("POL-01", "STF-01"):
            save_answer(assessment, AnswerInput(item_id, "yes", None, None, 0), by=owner)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    db.session.commit()

    assert sum("FOR UPDATE" in s for s in statements) == (0 if db.engine.dialect.name == "sqlite" else 1)
    assert {a.item_id for a in db.session.scalars(sa.select(Answer))} == {"POL-01", "STF-01"}
