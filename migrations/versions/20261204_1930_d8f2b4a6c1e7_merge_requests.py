"""Merge requests: an operator proposes to merge two organisations of one company, both administrators agree

Revision ID: d8f2b4a6c1e7
Revises: a1c3e5f7b9d2
Create Date: 2026-12-04 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd8f2b4a6c1e7'
down_revision = 'a1c3e5f7b9d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('merge_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('keep_id', sa.Integer(), nullable=False),
    sa.Column('absorbed_id', sa.Integer(), nullable=True),
    sa.Column('absorbed_name', sa.String(length=200), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agreed_by_keep_id', sa.Integer(), nullable=True),
    sa.Column('agreed_at_keep', sa.DateTime(timezone=True), nullable=True),
    sa.Column('agreed_by_absorbed_id', sa.Integer(), nullable=True),
    sa.Column('agreed_at_absorbed', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('keep_id <> absorbed_id', name=op.f('ck_merge_requests_two_organizations')),
    sa.ForeignKeyConstraint(['absorbed_id'], ['organizations.id'], name=op.f('fk_merge_requests_absorbed_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['agreed_by_absorbed_id'], ['users.id'], name=op.f('fk_merge_requests_agreed_by_absorbed_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['agreed_by_keep_id'], ['users.id'], name=op.f('fk_merge_requests_agreed_by_keep_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['keep_id'], ['organizations.id'], name=op.f('fk_merge_requests_keep_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_merge_requests_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merge_requests'))
    )
    with op.batch_alter_table('merge_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merge_requests_absorbed_id'), ['absorbed_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_merge_requests_keep_id'), ['keep_id'], unique=False)


def downgrade():
    with op.batch_alter_table('merge_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merge_requests_keep_id'))
        batch_op.drop_index(batch_op.f('ix_merge_requests_absorbed_id'))
    op.drop_table('merge_requests')
