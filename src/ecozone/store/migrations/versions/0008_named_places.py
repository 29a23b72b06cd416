"""named places: the titles regions hold (已命名名单)

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'named_places',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('region', sa.String(length=6), sa.ForeignKey('regions.code'), nullable=False),
        sa.Column('title', sa.String(length=12), nullable=False),
        sa.Column('batch', sa.String(length=40), nullable=True),
        sa.Column('named_on', sa.Date(), nullable=False),
        sa.Column('document', sa.Text(), nullable=True),
        sa.Column('source', sa.Text(), nullable=False),
        sa.UniqueConstraint('region', 'title'),
    )
    op.create_index('ix_named_places_region', 'named_places', ['region'])


def downgrade() -> None:
    op.drop_table('named_places')
