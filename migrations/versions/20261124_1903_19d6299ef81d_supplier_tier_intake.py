"""supplier tier intake

Revision ID: 19d6299ef81d
Revises: becde86ad901
Create Date: 2026-11-24 19:03:02.773180

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '19d6299ef81d'
down_revision = 'becde86ad901'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intake', sa.JSON(), nullable=True))



def downgrade():
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.drop_column('intake')

