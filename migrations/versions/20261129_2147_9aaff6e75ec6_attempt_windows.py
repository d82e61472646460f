"""Attempt windows: sign-in and password-reset counts per client address and e-mail address

Revision ID: 9aaff6e75ec6
Revises: 2221cf584727
Create Date: 2026-11-29 21:47:14.809327

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9aaff6e75ec6'
down_revision = '2221cf584727'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('attempt_windows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_windows')),
    sa.UniqueConstraint('scope', 'key', name=op.f('uq_attempt_windows_scope_key'))
    )
    with op.batch_alter_table('attempt_windows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_windows_ends_at'), ['ends_at'], unique=False)


def downgrade():
    with op.batch_alter_table('attempt_windows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_windows_ends_at'))

    op.drop_table('attempt_windows')
