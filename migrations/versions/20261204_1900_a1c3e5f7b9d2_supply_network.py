"""The supply network: one organisation per company (its 法人番号 unique), memberships on both sides, buyer
relationships a supplier accepts and the sharing it allows, campaigns passed down from an assessment

Revision ID: a1c3e5f7b9d2
Revises: f5b8d2a6c9e3
Create Date: 2026-12-04 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c3e5f7b9d2'
down_revision = 'f5b8d2a6c9e3'
branch_labels = None
depends_on = None

ROLES = ('BUYER_ADMIN', 'REVIEWER', 'AUDITOR', 'SUPPLIER_OWNER', 'SUPPLIER_RESPONDER')
OTHER_SIDE = (
    "other_role IS NULL OR (role IN ('AUDITOR', 'BUYER_ADMIN', 'REVIEWER') AND other_role IN ('SUPPLIER_OWNER',"
    " 'SUPPLIER_RESPONDER')) OR (role IN ('SUPPLIER_OWNER', 'SUPPLIER_RESPONDER') AND other_role IN ('AUDITOR',"
    " 'BUYER_ADMIN', 'REVIEWER'))"
)


def upgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('corporate_number', sa.String(length=13), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_organizations_corporate_number'), ['corporate_number'])
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'other_role',
                sa.Enum(*ROLES, name='other_role', native_enum=False, length=32, create_constraint=True),
                nullable=True,
            )
        )
        batch_op.create_check_constraint(batch_op.f('ck_memberships_other_role_other_side'), OTHER_SIDE)
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'status',
                sa.Enum('REQUESTED', 'ACTIVE', 'DECLINED', name='relationship_status', native_enum=False, length=16,
                        create_constraint=True),
                nullable=False,
                server_default='ACTIVE',
            )
        )
        batch_op.add_column(sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                'sharing',
                sa.Enum('NOTHING', 'NAMES_AND_GRADES', 'FULL', name='sharing', native_enum=False, length=16,
                        create_constraint=True),
                nullable=False,
                server_default='NAMES_AND_GRADES',
            )
        )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('upstream_assessment_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_campaigns_upstream_assessment_id'), ['upstream_assessment_id'])
        batch_op.create_foreign_key(
            batch_op.f('fk_campaigns_upstream_assessment_id_assessments'), 'assessments',
            ['upstream_assessment_id'], ['id'], ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        # Dropping the column drops its foreign key on both databases (PostgreSQL drops dependent constraints;
        # SQLite's batch copy leaves out constraints on dropped columns), whatever name SQLite's reflection
        # finds for it after other tables were copied.
        batch_op.drop_index(batch_op.f('ix_campaigns_upstream_assessment_id'))
        batch_op.drop_column('upstream_assessment_id')
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_suppliers_sharing'), type_='check')
        batch_op.drop_constraint(op.f('ck_suppliers_relationship_status'), type_='check')
        batch_op.drop_column('sharing')
        batch_op.drop_column('responded_at')
        batch_op.drop_column('status')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_memberships_other_role_other_side'), type_='check')
        batch_op.drop_constraint(op.f('ck_memberships_other_role'), type_='check')
        batch_op.drop_column('other_role')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_organizations_corporate_number'), type_='unique')
        batch_op.drop_column('corporate_number')
