"""The same file uploaded by two people of one organisation at the same moment is one evidence file, no error."""

import io

import sqlalchemy as sa

from portal.evidence.models import Evidence
from portal.evidence.operations import store_evidence
from portal.extensions import db
from tests.parallel import held_at_first_write
from tests.security.helpers import PDF


def test_a_colleague_storing_the_same_file_first_gives_that_file(app, make_org, make_user):
    organization = make_org("Uploader")
    first, second = make_user(organization=organization), make_user(organization=organization)
    organization_id, first_id, second_id = organization.id, first.id, second.id

    def colleague() -> None:
        from portal.accounts.models import User
        from portal.organizations.models import Organization

        store_evidence(
            db.session.get(Organization, organization_id),
            io.BytesIO(PDF),
            "policy.pdf",
            by=db.session.get(User, second_id),
        )
        db.session.commit()

    # Our upload pauses just before it inserts; the colleague's identical upload commits in that moment.
    with held_at_first_write(app, colleague):
        mine = store_evidence(organization, io.BytesIO(PDF), "方針.pdf", by=first)
    db.session.commit()

    rows = db.session.scalars(sa.select(Evidence).where(Evidence.organization_id == organization_id)).all()
    assert len(rows) == 1
    assert mine.id == rows[0].id
    assert rows[0].uploaded_by_id == second_id and first_id != second_id
