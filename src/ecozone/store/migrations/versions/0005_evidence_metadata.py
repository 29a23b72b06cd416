"""files: what an evidence file proves — year, issuer, 文号, date (indicator evidence is kind 'indicator')

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('files') as batch:
        batch.add_column(sa.Column('year', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('issuer', sa.Text(), nullable=True))
        batch.add_column(sa.Column('document', sa.Text(), nullable=True))
        batch.add_column(sa.Column('issued_on', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('files') as batch:
        batch.drop_column('issued_on')
        batch.drop_column('document')
        batch.drop_column('issuer')
        batch.drop_column('year')
