"""the 现场核查 checklist as the reviewer fills it: a result and a note per indicator of an on-site review

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'onsite_checks',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('review_id', sa.Integer(), sa.ForeignKey('reviews.id'), nullable=False),
        sa.Column('indicator', sa.String(length=20), nullable=False),
        sa.Column('result', sa.String(length=12), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('checked_by', sa.String(length=60), nullable=False),
        sa.Column('checked_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.UniqueConstraint('review_id', 'indicator'),
    )
    op.create_index('ix_onsite_checks_review_id', 'onsite_checks', ['review_id'])


def downgrade() -> None:
    op.drop_table('onsite_checks')
