"""Background jobs point at what they work on (assessment, audit, campaign) with foreign keys instead of ids
inside their JSON params

Revision ID: 7c3f0e2b91d4
Revises: d86e9b09a068
Create Date: 2026-12-04 14:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3f0e2b91d4'
down_revision = 'd86e9b09a068'
branch_labels = None
depends_on = None

SUBJECTS = ('assessment_id', 'audit_id', 'campaign_id')
TABLES = {'assessment_id': 'assessments', 'audit_id': 'audits', 'campaign_id': 'campaigns'}
# Only what the data move needs of the table.
background_jobs = sa.table(
    'background_jobs',
    sa.column('id', sa.Integer),
    sa.column('kind', sa.String),
    sa.column('params', sa.JSON),
    *(sa.column(subject, sa.Integer) for subject in SUBJECTS),
)


def upgrade():
    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        for subject in SUBJECTS:
            batch_op.add_column(sa.Column(subject, sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_background_jobs_{subject}'), [subject], unique=False)
            batch_op.create_foreign_key(
                batch_op.f(f'fk_background_jobs_{subject}_{TABLES[subject]}'),
                TABLES[subject], [subject], ['id'], ondelete='CASCADE',
            )
    connection = op.get_bind()
    existing = {
        table: set(connection.scalars(sa.select(sa.table(table, sa.column('id', sa.Integer)).c.id)))
        for table in TABLES.values()
    }
    for job_id, params in connection.execute(sa.select(background_jobs.c.id, background_jobs.c.params)).all():
        params = dict(params or {})
        if not any(subject in params for subject in SUBJECTS):
            continue
        subjects = {subject: params.pop(subject, None) for subject in SUBJECTS}
        # A subject deleted since (never by the portal) leaves the job without one, as its builder found it.
        subjects = {
            subject: value if value in existing[TABLES[subject]] else None for subject, value in subjects.items()
        }
        connection.execute(
            sa.update(background_jobs).where(background_jobs.c.id == job_id).values(params=params, **subjects)
        )


def downgrade():
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(background_jobs.c.id, background_jobs.c.kind, background_jobs.c.params,
                  *(background_jobs.c[subject] for subject in SUBJECTS))
    ).all()
    for row in rows:
        subjects = {subject: getattr(row, subject) for subject in SUBJECTS if getattr(row, subject) is not None}
        if row.kind == 'export.portfolio':
            subjects.setdefault('campaign_id', None)
        if subjects:
            params = {**(row.params or {}), **subjects}
            connection.execute(sa.update(background_jobs).where(background_jobs.c.id == row.id).values(params=params))
    with op.batch_alter_table('background_jobs', schema=None) as batch_op:
        for subject in reversed(SUBJECTS):
            batch_op.drop_constraint(batch_op.f(f'fk_background_jobs_{subject}_{TABLES[subject]}'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_background_jobs_{subject}'))
            batch_op.drop_column(subject)
