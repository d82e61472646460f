"""Audits: plans, item results, photos, findings; corrective actions from audits and their evidence

Revision ID: 2221cf584727
Revises: 3c136252aa2e
Create Date: 2026-11-29 18:50:26.660936

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2221cf584727'
down_revision = '3c136252aa2e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_version_id', sa.Integer(), nullable=False),
    sa.Column('tier', sa.Enum('T1', 'T2', 'T3', name='tier', native_enum=False, length=8), nullable=False),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('mode', sa.Enum('ON_SITE', 'REMOTE', name='auditmode', native_enum=False, length=16), nullable=False),
    sa.Column('planned_date', sa.Date(), nullable=False),
    sa.Column('state', sa.Enum('PLANNED', 'IN_PROGRESS', 'CLOSED', 'CANCELLED', name='auditstate', native_enum=False, length=16), nullable=False),
    sa.Column('reference_assessment_id', sa.Integer(), nullable=True),
    sa.Column('participants', sa.Text(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('proposed_date', sa.Date(), nullable=True),
    sa.Column('proposal_note', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['buyer_id'], ['organizations.id'], name=op.f('fk_audits_buyer_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_audits_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['questionnaire_version_id'], ['questionnaire_versions.id'], name=op.f('fk_audits_questionnaire_version_id_questionnaire_versions')),
    sa.ForeignKeyConstraint(['reference_assessment_id'], ['assessments.id'], name=op.f('fk_audits_reference_assessment_id_assessments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_audits_supplier_id_suppliers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audits'))
    )
    with op.batch_alter_table('audits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audits_buyer_id'), ['buyer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audits_reference_assessment_id'), ['reference_assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audits_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_audits_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('audit_item_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('result', sa.Enum('VERIFIED', 'NOT_VERIFIED', 'OBSERVATION', 'NOT_CHECKED', name='auditresult', native_enum=False, length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_audit_item_results_audit_id_audits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_audit_item_results_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_item_results')),
    sa.UniqueConstraint('audit_id', 'item_id', name=op.f('uq_audit_item_results_audit_id_item_id'))
    )
    with op.batch_alter_table('audit_item_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_item_results_audit_id'), ['audit_id'], unique=False)

    op.create_table('audit_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=True),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_audit_photos_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_audit_photos_audit_id_audits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_audit_photos_evidence_id_evidence'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_photos'))
    )
    with op.batch_alter_table('audit_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_photos_audit_id'), ['audit_id'], unique=False)

    op.create_table('action_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['corrective_actions.id'], name=op.f('fk_action_evidence_action_id_corrective_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_action_evidence_evidence_id_evidence'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_evidence')),
    sa.UniqueConstraint('action_id', 'evidence_id', name=op.f('uq_action_evidence_action_id_evidence_id'))
    )
    with op.batch_alter_table('action_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_evidence_action_id'), ['action_id'], unique=False)

    op.create_table('audit_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('audit_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=64), nullable=True),
    sa.Column('severity', sa.Enum('MAJOR', 'MINOR', 'OBSERVATION', name='severity', native_enum=False, length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('corrective_action_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['audit_id'], ['audits.id'], name=op.f('fk_audit_findings_audit_id_audits'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['corrective_action_id'], ['corrective_actions.id'], name=op.f('fk_audit_findings_corrective_action_id_corrective_actions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_findings'))
    )
    with op.batch_alter_table('audit_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_findings_audit_id'), ['audit_id'], unique=False)

    with op.batch_alter_table('corrective_actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_corrective_actions_audit_id'), ['audit_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_corrective_actions_audit_id_audits'), 'audits', ['audit_id'], ['id'], ondelete='CASCADE')



def downgrade():
    with op.batch_alter_table('corrective_actions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_corrective_actions_audit_id_audits'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_corrective_actions_audit_id'))
        batch_op.drop_column('audit_id')

    with op.batch_alter_table('audit_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_findings_audit_id'))

    op.drop_table('audit_findings')
    with op.batch_alter_table('action_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_evidence_action_id'))

    op.drop_table('action_evidence')
    with op.batch_alter_table('audit_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_photos_audit_id'))

    op.drop_table('audit_photos')
    with op.batch_alter_table('audit_item_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_item_results_audit_id'))

    op.drop_table('audit_item_results')
    with op.batch_alter_table('audits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audits_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_audits_state'))
        batch_op.drop_index(batch_op.f('ix_audits_reference_assessment_id'))
        batch_op.drop_index(batch_op.f('ix_audits_buyer_id'))

    op.drop_table('audits')
