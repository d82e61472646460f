"""corrective action reminder steps

Revision ID: 83ff156e0d6d
Revises: 34d93caf9085
Create Date: 2026-11-24 19:08:14.393654

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '83ff156e0d6d'
down_revision = '34d93caf9085'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('corrective_actions', schema=None) as batch_op:
        # Existing rows get an empty list; the default is then dropped so the model stays the only source.
        batch_op.add_column(sa.Column('reminded_steps', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('corrective_actions', schema=None) as batch_op:
        batch_op.alter_column('reminded_steps', server_default=None)



def downgrade():
    with op.batch_alter_table('corrective_actions', schema=None) as batch_op:
        batch_op.drop_column('reminded_steps')

