"""Questionnaire drafts: a buyer's next version of its own questionnaire, edited before it is published

Revision ID: d8e2f4a6b0c3
Revises: f1a7c3e9d5b8
Create Date: 2026-12-04 21:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd8e2f4a6b0c3'
down_revision = 'f1a7c3e9d5b8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('questionnaire_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('base_version_id', sa.Integer(), nullable=True),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['base_version_id'], ['questionnaire_versions.id'], name=op.f('fk_questionnaire_drafts_base_version_id_questionnaire_versions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_questionnaire_drafts_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_questionnaire_drafts_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_drafts')),
    sa.UniqueConstraint('organization_id', 'key', name=op.f('uq_questionnaire_drafts_organization_id_key'))
    )
    with op.batch_alter_table('questionnaire_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_drafts_organization_id'), ['organization_id'], unique=False)


def downgrade():
    with op.batch_alter_table('questionnaire_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_drafts_organization_id'))

    op.drop_table('questionnaire_drafts')
