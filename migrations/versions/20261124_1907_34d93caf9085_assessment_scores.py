"""assessment scores

Revision ID: 34d93caf9085
Revises: 19d6299ef81d
Create Date: 2026-11-24 19:07:38.584093

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '34d93caf9085'
down_revision = '19d6299ef81d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assessment_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('QUEUED', 'RUNNING', 'DONE', 'FAILED', name='scorestate', native_enum=False, length=16), nullable=False),
    sa.Column('self_result', sa.JSON(), nullable=True),
    sa.Column('reviewed_result', sa.JSON(), nullable=True),
    sa.Column('inputs_hash', sa.String(length=64), nullable=True),
    sa.Column('rules_version', sa.String(length=32), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_assessment_scores_assessment_id_assessments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_scores')),
    sa.UniqueConstraint('assessment_id', name=op.f('uq_assessment_scores_assessment_id'))
    )
    with op.batch_alter_table('assessment_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_scores_state'), ['state'], unique=False)



def downgrade():
    with op.batch_alter_table('assessment_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_scores_state'))

    op.drop_table('assessment_scores')
