"""portfolio stats

Revision ID: 3c136252aa2e
Revises: f02edffd244b
Create Date: 2026-11-24 20:06:55.792142

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c136252aa2e'
down_revision = 'f02edffd244b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('portfolio_stats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['organizations.id'], name=op.f('fk_portfolio_stats_buyer_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_stats')),
    sa.UniqueConstraint('buyer_id', name=op.f('uq_portfolio_stats_buyer_id'))
    )


def downgrade():
    op.drop_table('portfolio_stats')
