"""Answer citations: an item of the outsourcing-management section cites an assessment the answering
organisation received from one of its own subcontractors

Revision ID: e6c2a9d4f8b1
Revises: d8f2b4a6c1e7
Create Date: 2026-12-04 19:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6c2a9d4f8b1'
down_revision = 'd8f2b4a6c1e7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('answer_citations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('cited_assessment_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_answer_citations_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cited_assessment_id'], ['assessments.id'], name=op.f('fk_answer_citations_cited_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_answer_citations_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_citations')),
    sa.UniqueConstraint('assessment_id', 'item_id', 'cited_assessment_id', name=op.f('uq_answer_citations_assessment_id_item_id_cited_assessment_id'))
    )
    with op.batch_alter_table('answer_citations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_citations_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_citations_cited_assessment_id'), ['cited_assessment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('answer_citations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_citations_cited_assessment_id'))
        batch_op.drop_index(batch_op.f('ix_answer_citations_assessment_id'))
    op.drop_table('answer_citations')
