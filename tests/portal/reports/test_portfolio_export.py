"""The portfolio export through the pages: a job with progress builds it; only the buyer's staff get it."""

import os
import time
from io import BytesIO

import openpyxl
import sqlalchemy as sa

from portal.assessments.operations import AnswerInput, save_answer, submit_assessment
from portal.background.models import BackgroundJob, JobState
from portal.extensions import db
from portal.scoring.dispatch import enqueue_scoring
from portal.storage import current_storage
from tests.conftest import sign_in
from workers.tasks import remove_old_exports


def workbook(content):
    return openpyxl.load_workbook(BytesIO(content))


def rows(sheet):
    return [[c.value for c in row] for row in sheet.iter_rows()]


def portfolio_setup(make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    answered, owner = make_supplier(buyer, name='=HYPERLINK("http://x","y") 株式会社')
    waiting, _ = make_supplier(buyer, name="未回答工業")
    never, _ = make_supplier(buyer, name="新規商事")
    campaign = make_campaign(buyer, [answered, waiting], by=admin)
    assessment = next(a for a in campaign.assessments if a.supplier_id == answered.id)
    for item_id, code in (("POL-01", "no"), ("STF-01", "yes"), ("STF-02", "partial")):
        save_answer(assessment, AnswerInput(item_id, code, None, None, 0), by=owner)
    submit_assessment(assessment, by=owner)
    db.session.commit()
    enqueue_scoring(assessment.id)
    return buyer, admin, campaign, (answered, waiting, never)


def test_campaign_portfolio_has_every_supplier_scores_and_answers(
    app, client, make_buyer, make_supplier, make_campaign
):
    buyer, admin, campaign, (answered, waiting, _) = portfolio_setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, admin.email)
    assert "Excel" in client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    response = client.post("/exports/portfolio", data={"campaign_id": campaign.id, "lang": "ja"})
    assert response.status_code == 302
    job_url = response.headers["Location"]
    assert client.get(job_url).status_code == 200
    job = db.session.scalar(sa.select(BackgroundJob))
    assert (job.kind, job.state, job.total, job.done) == ("export.portfolio", JobState.DONE, 2, 2)

    download = client.get(job_url + "/download")
    assert download.status_code == 200
    book = workbook(download.data)
    assert book.sheetnames == ["概要", "委託先一覧", "分類別達成率", "回答一覧"]
    table = rows(book["委託先一覧"])
    assert table[0][:4] == ["委託先", "状態", "区分", "自己評価 (%)"]
    by_name = {row[0]: row for row in table[1:]}
    assert set(by_name) == {answered.name, waiting.name}
    # (0 + 1 + 0.5) / 3 = 50.0 → grade C; the critical POL-01 answered "no" → not passed, critical risk
    assert by_name[answered.name][1:8] == ["提出済み", "T1 基本", 50.0, "—", "C", "不合格", "重大"]
    assert by_name[waiting.name][1] == "招待済み"
    # The rate of each section of the shown score, a heat map; "—" where there is none yet.
    heat = {row[0]: row[1:] for row in rows(book["分類別達成率"])}
    sections = heat["委託先"][2:]
    assert sections == ["方針", "従業員"]
    assert heat[answered.name] == ["T1 基本", "C", 0, 75]  # policy: POL-01 "no"; staff: (1 + 0.5) / 2
    assert heat[waiting.name][2:] == ["—"] * len(sections)
    # The summary (and every page's header and footer) names the campaign and the buyer that issued it.
    figures = {row[0]: row[1] for row in rows(book["概要"])[3:6]}
    assert (figures["対象"], figures["発行元"]) == (campaign.name, buyer.name)
    assert book["委託先一覧"].oddFooter.left.text == f"発行: {buyer.name}"
    matrix = rows(book["回答一覧"])
    assert matrix[0] == ["委託先", "POL-01", "POL-02", "STF-01", "STF-02"]
    answers = {row[0]: row[1:] for row in matrix[2:]}
    assert answers[answered.name] == ["実施していない", None, "実施している", "一部実施している"]
    assert answers[waiting.name] == [None, None, None, None]
    # A supplier name that looks like a formula stays text, in both sheets.
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"


def test_all_suppliers_portfolio_includes_those_never_assessed(app, client, make_buyer, make_supplier, make_campaign):
    _, admin, _, (answered, waiting, never) = portfolio_setup(make_buyer, make_supplier, make_campaign)
    sign_in(client, admin.email)
    assert "Excel" in client.get("/suppliers/").get_data(as_text=True)
    job_url = client.post("/exports/portfolio", data={"lang": "en"}).headers["Location"]
    book = workbook(client.get(job_url + "/download").data)
    table = {row[0]: row for row in rows(book["Suppliers"])[1:]}
    assert set(table) == {answered.name, waiting.name, never.name}
    assert table[never.name][1] == "Not assessed" and table[answered.name][3] == 50.0


def test_only_the_buyers_staff_export_and_download(app, client, make_buyer, make_supplier, make_campaign):
    _, admin, campaign, (_, _, _) = portfolio_setup(make_buyer, make_supplier, make_campaign)
    other_buyer, other_admin = make_buyer()
    _, other_owner = make_supplier(other_buyer)

    sign_in(client, admin.email)
    job_url = client.post("/exports/portfolio", data={"campaign_id": campaign.id}).headers["Location"]
    assert client.post("/exports/portfolio", data={"campaign_id": "x"}).status_code == 400
    client.post("/sign-out")

    sign_in(client, other_admin.email)
    assert client.get(job_url + "/download").status_code == 404
    assert client.post("/exports/portfolio", data={"campaign_id": campaign.id}).status_code == 404
    client.post("/sign-out")

    sign_in(client, other_owner.email)
    assert client.post("/exports/portfolio", data={}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BackgroundJob)) == 1


def test_unconfirmed_uploads_are_removed_after_a_day(app):
    storage = current_storage()
    old, _, _ = storage.put("uploads", BytesIO(b"old workbook"), max_bytes=100)
    fresh, _, _ = storage.put("uploads", BytesIO(b"fresh workbook"), max_bytes=100)
    two_days_ago = time.time() - 2 * 86400
    os.utime(storage.path_for("uploads", old), (two_days_ago, two_days_ago))
    remove_old_exports.delay().get()
    assert not storage.exists("uploads", old) and storage.exists("uploads", fresh)
    # Storing the same content again makes it new, so a re-uploaded file is not removed under the user.
    os.utime(storage.path_for("uploads", fresh), (two_days_ago, two_days_ago))
    storage.put("uploads", BytesIO(b"fresh workbook"), max_bytes=100)
    remove_old_exports.delay().get()
    assert storage.exists("uploads", fresh)
