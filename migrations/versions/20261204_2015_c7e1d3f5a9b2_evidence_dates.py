"""Evidence dates and kind: a document date (作成日), a valid-until date (有効期限) and the kind of document;
reminders of a file's valid-until date

Revision ID: c7e1d3f5a9b2
Revises: b4d6f8a0c2e4
Create Date: 2026-12-04 20:15:00.000000

"""
from alembic import op
import sqlalchemy as sa

OLD_CHECK = '(assessment_id IS NULL) <> (action_id IS NULL)'
NEW_CHECK = (
    "(CASE WHEN assessment_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN action_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN evidence_id IS NULL THEN 0 ELSE 1 END) = 1"
)

# revision identifiers, used by Alembic.
revision = 'c7e1d3f5a9b2'
down_revision = 'b4d6f8a0c2e4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f('ix_evidence_valid_until'), ['valid_until'], unique=False)
    with op.batch_alter_table('reminders_sent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reminders_sent_evidence_id_evidence'), 'evidence', ['evidence_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint(batch_op.f('uq_reminders_sent_evidence_id_step'), ['evidence_id', 'step'])
        batch_op.drop_constraint(batch_op.f('ck_reminders_sent_one_subject'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_reminders_sent_one_subject'), NEW_CHECK)


def downgrade():
    op.execute("DELETE FROM reminders_sent WHERE evidence_id IS NOT NULL")
    with op.batch_alter_table('reminders_sent', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_reminders_sent_one_subject'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_reminders_sent_one_subject'), OLD_CHECK)
        batch_op.drop_constraint(batch_op.f('uq_reminders_sent_evidence_id_step'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_reminders_sent_evidence_id_evidence'), type_='foreignkey')
        batch_op.drop_column('evidence_id')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_valid_until'))
        batch_op.drop_column('kind')
        batch_op.drop_column('valid_until')
        batch_op.drop_column('document_date')
