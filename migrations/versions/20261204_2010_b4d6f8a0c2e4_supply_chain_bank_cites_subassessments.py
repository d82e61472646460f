"""The built-in supply-chain bank 2026.1 stored before its 委託先管理 section declared cites_subassessments gets
the flag (and the content hash of the definition with it), so `load-questionnaires` on an existing database
finds the same content and citations work on the assessments already sent; questions and scoring are unchanged

Revision ID: b4d6f8a0c2e4
Revises: e6c2a9d4f8b1
Create Date: 2026-12-04 20:10:00.000000

"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b4d6f8a0c2e4'
down_revision = 'e6c2a9d4f8b1'
branch_labels = None
depends_on = None

KEY, VERSION, SECTION, FLAG = 'supply-chain', '2026.1', 'subcontractors', 'cites_subassessments'

versions = sa.table(
    'questionnaire_versions',
    sa.column('id', sa.Integer),
    sa.column('key', sa.String),
    sa.column('version', sa.String),
    sa.column('organization_id', sa.Integer),
    sa.column('definition', sa.JSON),
    sa.column('content_hash', sa.String),
)


def _content_hash(definition):
    # questionnaires.model.Questionnaire.content_hash: the canonical JSON of the stored definition
    canonical = json.dumps(definition, ensure_ascii=False, sort_keys=True, separators=(',', ':'))
    return hashlib.sha256(canonical.encode('utf-8')).hexdigest()


def _set_flag(flag):
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(versions.c.id, versions.c.definition).where(
            versions.c.key == KEY, versions.c.version == VERSION, versions.c.organization_id.is_(None)
        )
    ).all()
    for version_id, definition in rows:
        definition = json.loads(definition) if isinstance(definition, str) else dict(definition)
        for section in definition.get('sections', []):
            if section.get('id') == SECTION:
                if flag:
                    section[FLAG] = True
                else:
                    section.pop(FLAG, None)
        connection.execute(
            versions.update()
            .where(versions.c.id == version_id)
            .values(definition=definition, content_hash=_content_hash(definition))
        )


def upgrade():
    _set_flag(True)


def downgrade():
    _set_flag(False)
