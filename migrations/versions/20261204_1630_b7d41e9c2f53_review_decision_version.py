"""A review decision carries a version, so two reviewers deciding one item get a conflict, not an overwrite

Revision ID: b7d41e9c2f53
Revises: 3e5a9d7c1b24
Create Date: 2026-12-04 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41e9c2f53'
down_revision = '3e5a9d7c1b24'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('review_decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('review_decisions', schema=None) as batch_op:
        batch_op.drop_column('version')
