"""The campaign e-mail carries its own link to the assessment, at the configured address; after signing in
the recipient lands on the assessment (issue 17)."""

import re
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from portal.extensions import db
from portal.mail.models import OutboxMessage
from tests.conftest import PASSWORD
from tests.workflow_fixtures import only_assessment


def test_the_request_e_mail_links_to_the_assessment_and_sign_in_lands_there(
    app, client, make_buyer, make_supplier, make_campaign
):
    app.config["BASE_URL"] = "http://127.0.0.1:5001"  # what `make demo PORT=5001` sets
    buyer, admin = make_buyer()
    supplier, owner = make_supplier(buyer)
    assessment = only_assessment(make_campaign(buyer, [supplier], by=admin))
    body = db.session.scalar(sa.select(OutboxMessage.body).where(OutboxMessage.recipient == owner.email))
    links = re.findall(r"https?://\S+", body)
    assert links == [f"http://127.0.0.1:5001/assessments/{assessment.id}"]

    path = urlsplit(links[0]).path
    to_sign_in = client.get(path)
    assert to_sign_in.status_code == 302
    target = urlsplit(to_sign_in.headers["Location"])
    assert target.path == "/sign-in" and parse_qs(target.query)["next"] == [path]

    signed_in = client.post(f"{target.path}?{target.query}", data={"email": owner.email, "password": PASSWORD})
    assert signed_in.status_code == 302 and urlsplit(signed_in.headers["Location"]).path == path
    assert client.get(path).status_code == 200
