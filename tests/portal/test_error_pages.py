"""404, 413 and 500 are friendly pages in the site's layout, in the reader's language, with a way back;
API routes keep their JSON errors (issue 17)."""

import io
from html import unescape

import pytest

from tests.portal.campaigns.helpers import sign_in_english, text
from tests.workflow_fixtures import only_assessment

LAYOUT = 'class="brand"'  # the site's header, from base.html


def failing() -> str:
    raise RuntimeError("a bug in a view")


@pytest.fixture
def failing_routes(app):
    """A page and an API route that fail with an unexpected error; registered in the test app only."""
    app.add_url_rule("/test-only/fail", "test_only_fail", failing)
    app.add_url_rule("/api/v1/test-only/fail", "test_only_api_fail", failing)
    return app


def test_a_missing_page_is_a_friendly_page_in_japanese_with_ways_back(client):
    response = client.get("/no-such-page", headers={"Referer": "http://localhost/sign-in?lang=ja"})
    page = unescape(text(response))
    assert response.status_code == 404
    assert LAYOUT in page and '<html lang="ja">' in page
    assert "<h1>ページが見つかりません</h1>" in page
    assert 'href="/sign-in?lang=ja">前のページに戻る</a>' in page
    assert 'href="/">トップページに戻る</a>' in page


def test_a_missing_record_is_the_same_page_in_english(client, make_buyer):
    _, admin = make_buyer()
    sign_in_english(client, admin)
    response = client.get("/suppliers/987654")
    page = unescape(text(response))
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in page and "switch to the one the link is for" in page
    assert "Something went wrong" not in page
    assert admin.name in page  # the layout with the signed-in person's header
    assert "Back to the previous page" not in page  # no referrer: only the start page


def test_a_back_link_never_leads_to_another_site(client):
    page = text(client.get("/no-such-page", headers={"Referer": "https://evil.example/phish"}))
    assert "evil.example" not in page and "前のページに戻る" not in page


def test_an_upload_over_the_limit_is_a_friendly_page(app, client, make_buyer, make_supplier, make_campaign):
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    sign_in_english(client, owner)
    app.config["MAX_CONTENT_LENGTH"] = 4096
    url = f"/assessments/{assessment.id}/items/POL-01/evidence"
    response = client.post(
        url,
        data={"files": (io.BytesIO(b"%PDF-1.4\n" + b"x" * 8192), "big.pdf")},
        content_type="multipart/form-data",
        headers={"Referer": f"http://localhost/assessments/{assessment.id}"},
    )
    page = unescape(text(response))
    assert response.status_code == 413
    assert LAYOUT in page and "<h1>The file could not be uploaded</h1>" in page
    assert "The file is too large (limit: 0.004 MB)." in page and "choose a smaller file" in page
    assert f'href="/assessments/{assessment.id}">Back to the previous page</a>' in page


def test_an_api_upload_over_the_limit_stays_json(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post(
        "/api/v1/assessments/1/evidence",
        data={"file": (io.BytesIO(b"x" * 4096), "big.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413 and response.is_json
    assert "0.001 MB" in response.get_json()["error"]["message"]


def test_an_unexpected_error_is_a_friendly_page_and_json_on_the_api(failing_routes, client, caplog):
    response = client.get("/test-only/fail")
    page = unescape(text(response))
    assert response.status_code == 500
    assert LAYOUT in page and "<h1>エラーが発生しました</h1>" in page
    assert "このエラーは記録されました" in page and 'href="/">トップページに戻る</a>' in page
    assert "a bug in a view" not in page and "Traceback" not in page
    assert "Unhandled error on GET /test-only/fail" in caplog.text

    api = client.get("/api/v1/test-only/fail")
    assert api.status_code == 500 and api.is_json
    assert api.get_json()["error"]["code"] == "internal_error"


def test_a_missing_api_route_stays_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.is_json
    assert response.get_json()["error"]["code"] == "not_found"
