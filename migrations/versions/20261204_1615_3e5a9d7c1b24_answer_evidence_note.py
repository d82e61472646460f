"""An answer may carry a written explanation instead of an evidence file (answers.evidence_note)

Revision ID: 3e5a9d7c1b24
Revises: 7c3f0e2b91d4
Create Date: 2026-12-04 16:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3e5a9d7c1b24'
down_revision = '7c3f0e2b91d4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence_note', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_column('evidence_note')
