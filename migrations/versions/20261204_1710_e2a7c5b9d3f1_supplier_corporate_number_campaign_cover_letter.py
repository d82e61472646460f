"""Suppliers may carry their 法人番号 (unique per buyer), for bulk imports; campaigns carry the buyer's cover
letter, included in the request e-mail

Revision ID: e2a7c5b9d3f1
Revises: c4e8a1f3d6b2
Create Date: 2026-12-04 17:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2a7c5b9d3f1'
down_revision = 'c4e8a1f3d6b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('corporate_number', sa.String(length=13), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_suppliers_buyer_id_corporate_number'), ['buyer_id', 'corporate_number']
        )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cover_letter', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('cover_letter')
    with op.batch_alter_table('suppliers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_suppliers_buyer_id_corporate_number'), type_='unique')
        batch_op.drop_column('corporate_number')
