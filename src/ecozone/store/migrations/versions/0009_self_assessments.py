"""annual self-assessments of named places, as submitted

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'self_assessments',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('region', sa.String(length=6), sa.ForeignKey('regions.code'), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('standard_id', sa.String(length=40), nullable=False),
        sa.Column('pack_hash', sa.String(length=80), nullable=False),
        sa.Column('verdict', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('snapshot', sa.JSON(), nullable=False),
        sa.Column('created_by', sa.String(length=60), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index('ix_self_assessments_region', 'self_assessments', ['region'])


def downgrade() -> None:
    op.drop_table('self_assessments')
