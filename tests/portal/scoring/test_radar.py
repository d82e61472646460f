from portal.scoring.radar import CENTER, RADIUS, radar


def test_radar_points_follow_the_rates():
    chart = radar(["A", "B", "C", "D"], [("self", [100.0, 50.0, None, 0.0])])
    points = [tuple(map(float, p.split(","))) for p in chart.series[0][1].split()]
    # A is straight up at full radius; B to the right at half; C and D at the centre (None and 0 count as 0).
    assert points[0] == (CENTER, CENTER - RADIUS)
    assert points[1] == (CENTER + RADIUS / 2, CENTER)
    assert points[2] == (CENTER, CENTER) and points[3] == (CENTER, CENTER)
    assert [axis.label for axis in chart.axes] == ["A", "B", "C", "D"]


def test_too_few_sections_make_no_radar():
    assert radar(["A", "B"], [("self", [1.0, 2.0])]) is None


def test_the_review_page_draws_the_radar(app, client, make_buyer, make_supplier, make_campaign, make_version):
    from portal.assessments.operations import AnswerInput, save_answer, submit_assessment
    from portal.extensions import db
    from portal.scoring.dispatch import enqueue_scoring
    from tests.conftest import sign_in
    from tests.workflow_fixtures import generated_definition, only_assessment

    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(
        make_campaign(buyer, [supplier], by=admin, version=make_version(generated_definition(30)))
    )
    for n in range(30):
        save_answer(assessment, AnswerInput(f"Q{n:03d}", "yes" if n % 2 else "no", None, None, 0), by=owner)
    submit_assessment(assessment, by=owner)
    db.session.commit()
    enqueue_scoring(assessment.id)
    sign_in(client, admin.email)
    page = client.get(f"/review/{assessment.id}").get_data(as_text=True)
    assert page.count("<polygon") == 4 + 2  # four rings, self and after review
    assert "分類0" in page and "分類2" in page
