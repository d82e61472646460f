"""Questionnaire versions: the buyer organisation that imported one (None for the built-in ones)

Revision ID: 5b1e0c7d2a94
Revises: 9aaff6e75ec6
Create Date: 2026-12-04 13:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b1e0c7d2a94'
down_revision = '9aaff6e75ec6'
branch_labels = None
depends_on = None


def upgrade():
    # Versions imported before this change keep no owner: every buyer could already use them, and a
    # campaign of another buyer may be running on one.
    with op.batch_alter_table('questionnaire_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organization_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_questionnaire_versions_organization_id'), ['organization_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_questionnaire_versions_organization_id_organizations'), 'organizations', ['organization_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('questionnaire_versions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_questionnaire_versions_organization_id_organizations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_questionnaire_versions_organization_id'))
        batch_op.drop_column('organization_id')
