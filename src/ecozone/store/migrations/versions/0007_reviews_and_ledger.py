"""reviews and the problem ledger (findings), and experts' assigned regions

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('assigned', sa.JSON(), nullable=True))
    op.create_table(
        'reviews',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('region', sa.String(length=6), sa.ForeignKey('regions.code'), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('experts', sa.Text(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('created_by', sa.String(length=60), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index('ix_reviews_region', 'reviews', ['region'])
    op.create_table(
        'findings',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('review_id', sa.Integer(), sa.ForeignKey('reviews.id'), nullable=False),
        sa.Column('region', sa.String(length=6), sa.ForeignKey('regions.code'), nullable=False),
        sa.Column('subject', sa.String(length=60), nullable=True),
        sa.Column('problem', sa.Text(), nullable=False),
        sa.Column('severity', sa.String(length=12), nullable=False),
        sa.Column('lead', sa.String(length=60), nullable=True),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('response', sa.Text(), nullable=True),
        sa.Column('responded_by', sa.String(length=60), nullable=True),
        sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('check_note', sa.Text(), nullable=True),
        sa.Column('checked_by', sa.String(length=60), nullable=True),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
    )
    op.create_index('ix_findings_review_id', 'findings', ['review_id'])
    op.create_index('ix_findings_region', 'findings', ['region'])


def downgrade() -> None:
    op.drop_table('findings')
    op.drop_table('reviews')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('assigned')
