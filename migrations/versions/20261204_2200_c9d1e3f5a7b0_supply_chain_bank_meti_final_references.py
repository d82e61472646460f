"""The built-in supply-chain bank 2026.1 stored with the METI SCS requirement numbers of the December 2025 draft
gets those of the March 2026 final table (ORG-05: 3-2 → 1-2-1, 1-4-1; ORG-08: 1-2-2 → 1-2-2, 3-2-1; the source
says so) and the content hash of the definition as shipped, so `load-questionnaires` on an existing database finds
the same content; questions, answers and scoring are unchanged (references only relate items across banks)

Revision ID: c9d1e3f5a7b0
Revises: d8e2f4a6b0c3
Create Date: 2026-12-04 22:00:00.000000

"""
import hashlib
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c9d1e3f5a7b0'
down_revision = 'd8e2f4a6b0c3'
branch_labels = None
depends_on = None

KEY, VERSION = 'supply-chain', '2026.1'
#: item id → (meti_scs references before, after)
REFERENCES = {
    'ORG-05': (['3-2'], ['1-2-1', '1-4-1']),
    'ORG-08': (['1-2-2'], ['1-2-2', '3-2-1']),
}
SOURCE = (
    '(meti_scs references use the requirement numbering of the December 2025 draft table, 7 大分類; to be '
    're-checked against the March 2026 final table)',
    '(meti_scs references use the requirement numbering of the March 2026 final table, 7 大分類, checked against '
    'it: ORG-05 and ORG-08 corrected from the December 2025 draft)',
)

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


def _rewrite(forward):
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(versions.c.id, versions.c.definition).where(
            versions.c.key == KEY, versions.c.version == VERSION, versions.c.organization_id.is_(None)
        )
    ).all()
    for version_id, definition in rows:
        definition = json.loads(definition) if isinstance(definition, str) else dict(definition)
        old, new = SOURCE if forward else SOURCE[::-1]
        definition['source'] = definition.get('source', '').replace(old, new)
        for section in definition.get('sections', []):
            for item in section.get('items', []):
                if item.get('id') in REFERENCES:
                    before, after = REFERENCES[item['id']]
                    wanted, given = (before, after) if forward else (after, before)
                    if item.get('references', {}).get('meti_scs') == wanted:
                        item['references']['meti_scs'] = given
        connection.execute(
            versions.update()
            .where(versions.c.id == version_id)
            .values(definition=definition, content_hash=_content_hash(definition))
        )


def upgrade():
    _rewrite(True)


def downgrade():
    _rewrite(False)
