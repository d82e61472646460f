"""Scores keep a summary (grade, overall and section rates) that the portfolio reads on every dashboard;
the portfolio statistics a periodic job stored are no longer kept (the portfolio is read from the scores)

Revision ID: f5b8d2a6c9e3
Revises: e2a7c5b9d3f1
Create Date: 2026-12-04 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f5b8d2a6c9e3'
down_revision = 'e2a7c5b9d3f1'
branch_labels = None
depends_on = None


def upgrade():
    # Scores stored before have no summary: the portfolio reads those from the results themselves.
    with op.batch_alter_table('assessment_scores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.JSON(none_as_null=True), nullable=True))
    op.drop_table('portfolio_stats')


def downgrade():
    op.create_table('portfolio_stats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['organizations.id'], name=op.f('fk_portfolio_stats_buyer_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_stats')),
    sa.UniqueConstraint('buyer_id', name=op.f('uq_portfolio_stats_buyer_id'))
    )
    with op.batch_alter_table('assessment_scores', schema=None) as batch_op:
        batch_op.drop_column('summary')
