"""Answering by a METI SCS registration: the level a campaign accepts, and the claim that satisfies an assessment

Revision ID: a3c5e7b9d1f2
Revises: c9d1e3f5a7b0
Create Date: 2026-12-04 22:05:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a3c5e7b9d1f2"
down_revision = "c9d1e3f5a7b0"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accepts_registration_level", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_campaigns_registration_level"), "accepts_registration_level IN (3, 4)"
        )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("satisfied_by_claim_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_assessments_satisfied_by_claim_id_claims"),
            "claims",
            ["satisfied_by_claim_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_assessments_satisfied_by_claim_id_claims"), type_="foreignkey")
        batch_op.drop_column("satisfied_by_claim_id")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_campaigns_registration_level"), type_="check")
        batch_op.drop_column("accepts_registration_level")
