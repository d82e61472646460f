"""Schema checks: CHECK constraints on enum columns, the pass threshold and a corrective action's source; an
index on activity_entries(subject_type, subject_id); no second index on answers; corrective actions' reminder
steps move from a JSON list into reminders_sent

Revision ID: d86e9b09a068
Revises: 5b1e0c7d2a94
Create Date: 2026-12-04 14:26:00.000000

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd86e9b09a068'
down_revision = '5b1e0c7d2a94'
branch_labels = None
depends_on = None

# (table, column, enum name, stored member names) as the models had them at this revision; the constraint
# is ck_<table>_<enum name>, the name sa.Enum(create_constraint=True) gives it through the naming convention.
ROLES = ('BUYER_ADMIN', 'REVIEWER', 'AUDITOR', 'SUPPLIER_OWNER', 'SUPPLIER_RESPONDER')
TIERS = ('T1', 'T2', 'T3')
ENUM_COLUMNS = [
    ('background_jobs', 'state', 'job_state', ('QUEUED', 'RUNNING', 'DONE', 'FAILED')),
    ('invitations', 'role', 'role', ROLES),
    ('memberships', 'role', 'role', ROLES),
    ('suppliers', 'tier', 'tier', TIERS),
    ('campaigns', 'tier', 'tier', TIERS),
    ('campaigns', 'state', 'campaign_state', ('DRAFT', 'LAUNCHED', 'CLOSED')),
    ('assessments', 'tier', 'tier', TIERS),
    ('assessments', 'state', 'assessment_state', (
        'INVITED', 'IN_PROGRESS', 'SUBMITTED', 'UNDER_REVIEW', 'RETURNED', 'ACCEPTED', 'ACCEPTED_WITH_CONDITIONS',
        'REJECTED', 'WITHDRAWN',
    )),
    ('assessment_scores', 'state', 'score_state', ('QUEUED', 'RUNNING', 'DONE', 'FAILED')),
    ('audits', 'tier', 'tier', TIERS),
    ('audits', 'mode', 'audit_mode', ('ON_SITE', 'REMOTE')),
    ('audits', 'state', 'audit_state', ('PLANNED', 'IN_PROGRESS', 'CLOSED', 'CANCELLED')),
    ('review_decisions', 'decision', 'decision', ('ACCEPTED', 'CLARIFICATION', 'NONCONFORMING')),
    ('audit_item_results', 'result', 'audit_result', ('VERIFIED', 'NOT_VERIFIED', 'OBSERVATION', 'NOT_CHECKED')),
    ('corrective_actions', 'state', 'action_state', ('OPEN', 'PLANNED', 'CLOSED')),
    ('audit_findings', 'severity', 'severity', ('MAJOR', 'MINOR', 'OBSERVATION')),
]
# Only what the data moves need of the two tables.
corrective_actions = sa.table(
    'corrective_actions', sa.column('id', sa.Integer), sa.column('reminded_steps', sa.JSON)
)
reminders_sent = sa.table(
    'reminders_sent',
    sa.column('action_id', sa.Integer),
    sa.column('step', sa.String),
    sa.column('sent_at', sa.DateTime(timezone=True)),
)


def _in(column, names):
    return column + ' IN (' + ', '.join(f"'{name}'" for name in names) + ')'


def upgrade():
    with op.batch_alter_table('reminders_sent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('action_id', sa.Integer(), nullable=True))
        batch_op.alter_column('assessment_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_reminders_sent_action_id_corrective_actions'), 'corrective_actions', ['action_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint(batch_op.f('uq_reminders_sent_action_id_step'), ['action_id', 'step'])
        batch_op.create_check_constraint(batch_op.f('ck_reminders_sent_one_subject'), '(assessment_id IS NULL) <> (action_id IS NULL)')

    # The steps already sent keep being remembered; when they went out was never kept, so now stands in.
    connection = op.get_bind()
    now = datetime.now(UTC)
    rows = [
        {'action_id': action_id, 'step': step, 'sent_at': now}
        for action_id, steps in connection.execute(sa.select(corrective_actions.c.id, corrective_actions.c.reminded_steps))
        for step in dict.fromkeys(steps or [])
    ]
    if rows:
        connection.execute(reminders_sent.insert(), rows)

    with op.batch_alter_table('corrective_actions', schema=None) as batch_op:
        batch_op.drop_column('reminded_steps')
        batch_op.create_check_constraint(batch_op.f('ck_corrective_actions_one_source'), '(assessment_id IS NULL) <> (audit_id IS NULL)')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f('ck_campaigns_pass_threshold_range'), 'pass_threshold >= 0 AND pass_threshold <= 100')

    for table in dict.fromkeys(table for table, _, _, _ in ENUM_COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for _, column, name, names in (entry for entry in ENUM_COLUMNS if entry[0] == table):
                batch_op.create_check_constraint(op.f(f'ck_{table}_{name}'), _in(column, names))

    with op.batch_alter_table('answers', schema=None) as batch_op:
        # uq_answers_assessment_id_item_id starts with assessment_id and serves the same lookups.
        batch_op.drop_index(batch_op.f('ix_answers_assessment_id'))

    with op.batch_alter_table('activity_entries', schema=None) as batch_op:
        batch_op.create_index('ix_activity_entries_subject', ['subject_type', 'subject_id'], unique=False)


def downgrade():
    with op.batch_alter_table('activity_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_entries_subject')

    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answers_assessment_id'), ['assessment_id'], unique=False)

    for table in dict.fromkeys(table for table, _, _, _ in ENUM_COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for _, _, name, _ in (entry for entry in ENUM_COLUMNS if entry[0] == table):
                batch_op.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')

    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_campaigns_pass_threshold_range'), type_='check')

    with op.batch_alter_table('corrective_actions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_corrective_actions_one_source'), type_='check')
        batch_op.add_column(sa.Column('reminded_steps', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('corrective_actions', schema=None) as batch_op:
        batch_op.alter_column('reminded_steps', server_default=None)

    connection = op.get_bind()
    sent = sa.table('reminders_sent', sa.column('id', sa.Integer), sa.column('action_id', sa.Integer), sa.column('step', sa.String))
    steps = {}
    for action_id, step in connection.execute(
        sa.select(sent.c.action_id, sent.c.step).where(sent.c.action_id.is_not(None)).order_by(sent.c.id)
    ):
        steps.setdefault(action_id, []).append(step)
    for action_id, action_steps in steps.items():
        connection.execute(
            corrective_actions.update().where(corrective_actions.c.id == action_id).values(reminded_steps=action_steps)
        )
    connection.execute(sent.delete().where(sent.c.action_id.is_not(None)))

    with op.batch_alter_table('reminders_sent', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_reminders_sent_one_subject'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_reminders_sent_action_id_step'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_reminders_sent_action_id_corrective_actions'), type_='foreignkey')
        batch_op.alter_column('assessment_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('action_id')
