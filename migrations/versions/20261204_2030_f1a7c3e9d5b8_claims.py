"""Claims: a supplier organisation's certificates and declarations (ISMS, PrivacyMark, SECURITY ACTION,
METI SCS), one table with a CHECK per kind naming the fields it must have

Revision ID: f1a7c3e9d5b8
Revises: c7e1d3f5a9b2
Create Date: 2026-12-04 20:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1a7c3e9d5b8'
down_revision = 'c7e1d3f5a9b2'
branch_labels = None
depends_on = None

# The same conditions as portal/claims/models.py, as they were when this migration was written.
PER_KIND = {
    'isms': "kind != 'ISMS' OR (valid_until IS NOT NULL AND certification_body IS NOT NULL AND scope IS NOT NULL"
    " AND level IS NULL AND evaluator IS NULL)",
    'privacy_mark': "kind != 'PRIVACY_MARK' OR (valid_until IS NOT NULL AND level IS NULL"
    " AND certification_body IS NULL AND scope IS NULL AND evaluator IS NULL)",
    'security_action': "kind != 'SECURITY_ACTION' OR (level IN (1, 2) AND valid_until IS NULL"
    " AND certification_body IS NULL AND scope IS NULL AND evaluator IS NULL)",
    'meti_scs': "kind != 'METI_SCS' OR (valid_until IS NOT NULL AND certification_body IS NULL AND scope IS NULL"
    " AND ((level = 3 AND evaluator IS NULL) OR (level = 4 AND evaluator IS NOT NULL)))",
}


def upgrade():
    op.create_table('claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('ISMS', 'PRIVACY_MARK', 'SECURITY_ACTION', 'METI_SCS', name='claim_kind', native_enum=False, length=16, create_constraint=True), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('certification_body', sa.String(length=200), nullable=True),
    sa.Column('scope', sa.Text(), nullable=True),
    sa.Column('evaluator', sa.String(length=200), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    *(sa.CheckConstraint(condition, name=op.f(f'ck_claims_{kind}_fields')) for kind, condition in PER_KIND.items()),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_claims_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_claims_evidence_id_evidence'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_claims_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims')),
    sa.UniqueConstraint('organization_id', 'kind', 'number', name=op.f('uq_claims_organization_id_kind_number'))
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claims_organization_id'), ['organization_id'], unique=False)


def downgrade():
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claims_organization_id'))
    op.drop_table('claims')
