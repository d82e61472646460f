"""Corrective actions get a verification step: the buyer accepts the plan or asks for more, the supplier sends
evidence of the fix, the buyer closes the action or asks for more; each step is a row of action_steps (the
history both sides see), files sent with a step point at it

Revision ID: c4e8a1f3d6b2
Revises: b7d41e9c2f53
Create Date: 2026-12-04 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e8a1f3d6b2'
down_revision = 'b7d41e9c2f53'
branch_labels = None
depends_on = None

OLD_STATES = ('OPEN', 'PLANNED', 'CLOSED')
STATES = ('OPEN', 'PLANNED', 'PLAN_RETURNED', 'IN_PROGRESS', 'VERIFYING', 'EVIDENCE_RETURNED', 'CLOSED')
STEP_KINDS = ('PLAN', 'PLAN_ACCEPTED', 'PLAN_RETURNED', 'EVIDENCE', 'EVIDENCE_RETURNED', 'CLOSED')
# A new state's place in the old workflow: asked for more is waiting for a plan, anything after the plan is planned.
DOWNGRADED = {'PLAN_RETURNED': 'OPEN', 'IN_PROGRESS': 'PLANNED', 'VERIFYING': 'PLANNED', 'EVIDENCE_RETURNED': 'PLANNED'}

# Only what the data moves need of the tables.
corrective_actions = sa.table(
    'corrective_actions',
    sa.column('id', sa.Integer),
    sa.column('state', sa.String),
    sa.column('plan', sa.Text),
    sa.column('planned_at', sa.DateTime(timezone=True)),
    sa.column('planned_by_id', sa.Integer),
    sa.column('closing_comment', sa.Text),
    sa.column('closed_at', sa.DateTime(timezone=True)),
    sa.column('closed_by_id', sa.Integer),
)
action_steps = sa.table(
    'action_steps',
    sa.column('action_id', sa.Integer),
    sa.column('kind', sa.String),
    sa.column('text', sa.Text),
    sa.column('by_id', sa.Integer),
    sa.column('at', sa.DateTime(timezone=True)),
)


def _in(column, names):
    return column + ' IN (' + ', '.join(f"'{name}'" for name in names) + ')'


def _states(old, new):
    """The state column and its CHECK constraint go from the ``old`` (names, length) to the ``new``."""
    with op.batch_alter_table('corrective_actions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_corrective_actions_action_state'), type_='check')
        batch_op.alter_column(
            'state',
            existing_type=sa.Enum(*old[0], name='action_state', native_enum=False, length=old[1]),
            type_=sa.Enum(*new[0], name='action_state', native_enum=False, length=new[1]),
            existing_nullable=False,
        )
        batch_op.create_check_constraint(op.f('ck_corrective_actions_action_state'), _in('state', new[0]))


def upgrade():
    _states((OLD_STATES, 16), (STATES, 24))

    op.create_table('action_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*STEP_KINDS, name='step_kind', native_enum=False, length=24), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(_in('kind', STEP_KINDS), name=op.f('ck_action_steps_step_kind')),
    sa.ForeignKeyConstraint(['action_id'], ['corrective_actions.id'], name=op.f('fk_action_steps_action_id_corrective_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_action_steps_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_steps'))
    )
    with op.batch_alter_table('action_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_steps_action_id'), ['action_id'], unique=False)

    with op.batch_alter_table('action_evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_action_evidence_step_id_action_steps'), 'action_steps', ['step_id'], ['id'], ondelete='SET NULL')

    # The history of the actions so far: the plan sent, and the closing with its comment.
    connection = op.get_bind()
    rows = []
    for action in connection.execute(sa.select(corrective_actions).order_by(corrective_actions.c.id)):
        if action.plan is not None and action.planned_at is not None:
            rows.append({'action_id': action.id, 'kind': 'PLAN', 'text': action.plan, 'by_id': action.planned_by_id,
                         'at': action.planned_at})
        if action.state == 'CLOSED' and action.closed_at is not None:
            rows.append({'action_id': action.id, 'kind': 'CLOSED', 'text': action.closing_comment,
                         'by_id': action.closed_by_id, 'at': action.closed_at})
    if rows:
        connection.execute(action_steps.insert(), rows)


def downgrade():
    with op.batch_alter_table('action_evidence', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_action_evidence_step_id_action_steps'), type_='foreignkey')
        batch_op.drop_column('step_id')

    with op.batch_alter_table('action_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_steps_action_id'))
    op.drop_table('action_steps')

    connection = op.get_bind()
    for new, old in DOWNGRADED.items():
        connection.execute(
            sa.update(corrective_actions).where(corrective_actions.c.state == new).values(state=old)
        )
    _states((STATES, 24), (OLD_STATES, 16))
