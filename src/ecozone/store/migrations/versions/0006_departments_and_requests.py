"""departments as users (name, indicators), data requests to them (one item per region), evidence versions

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('department', sa.String(length=60), nullable=True))
        batch.add_column(sa.Column('indicators', sa.JSON(), nullable=True))
    with op.batch_alter_table('files') as batch:
        batch.add_column(sa.Column('replaces', sa.Integer(), nullable=True))
        batch.create_unique_constraint('uq_files_replaces', ['replaces'])
        batch.create_foreign_key('fk_files_replaces', 'files', ['replaces'], ['id'])
    op.create_table(
        'data_requests',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('created_by', sa.String(length=60), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('department', sa.String(length=60), nullable=False),
        sa.Column('department_region', sa.String(length=6), nullable=False),
        sa.Column('indicators', sa.JSON(), nullable=False),
        sa.Column('first_year', sa.Integer(), nullable=False),
        sa.Column('last_year', sa.Integer(), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
    )
    op.create_index('ix_data_requests_department_region', 'data_requests', ['department_region'])
    op.create_table(
        'request_items',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('request_id', sa.Integer(), sa.ForeignKey('data_requests.id'), nullable=False),
        sa.Column('region', sa.String(length=6), sa.ForeignKey('regions.code'), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('answered_by', sa.String(length=60), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.String(length=60), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.UniqueConstraint('request_id', 'region'),
    )
    op.create_index('ix_request_items_request_id', 'request_items', ['request_id'])
    op.create_index('ix_request_items_region', 'request_items', ['region'])


def downgrade() -> None:
    op.drop_table('request_items')
    op.drop_table('data_requests')
    with op.batch_alter_table('files') as batch:
        batch.drop_constraint('fk_files_replaces', type_='foreignkey')
        batch.drop_constraint('uq_files_replaces', type_='unique')
        batch.drop_column('replaces')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('indicators')
        batch.drop_column('department')
