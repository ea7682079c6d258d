"""credits backed by job_escrow: on-chain part of a balance, lock-ahead chunks,
their allocations, credit-account map, indexer cursors

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("credit_accounts") as batch:
        batch.add_column(sa.Column("onchain", sa.BigInteger(), nullable=False,
                                   server_default="0"))
        batch.create_check_constraint(op.f("ck_credit_accounts_onchain_within_balance"),
                                      "onchain >= 0 AND onchain <= balance")
    op.create_table(
        "escrow_chunks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("wallet", sa.String(length=64), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("worker", sa.String(length=64), nullable=False),
        sa.Column("credits", sa.BigInteger(), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("usable_until", TS, nullable=True),
        sa.Column("lock_tx", sa.String(length=128), nullable=True),
        sa.Column("close_tx", sa.String(length=128), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escrow_chunks")),
        sa.UniqueConstraint("wallet", "job_id", name=op.f("uq_escrow_chunks_wallet_job_id")),
        sa.CheckConstraint("used >= 0 AND used <= credits",
                           name=op.f("ck_escrow_chunks_used_within_lock")),
        sa.CheckConstraint("status IN ('locking', 'open', 'settling', 'settled', 'refunded', "
                           "'failed')", name=op.f("ck_escrow_chunks_status")),
    )
    op.create_index(op.f("ix_escrow_chunks_status"), "escrow_chunks", ["status"])
    op.create_index(op.f("ix_escrow_chunks_wallet"), "escrow_chunks", ["wallet"])
    op.create_table(
        "escrow_allocations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("chunk_id", sa.Integer(), nullable=False),
        sa.Column("credits", sa.BigInteger(), nullable=False),
        sa.Column("returned", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escrow_allocations")),
    )
    op.create_index(op.f("ix_escrow_allocations_entry_id"), "escrow_allocations", ["entry_id"])
    op.create_table(
        "escrow_wallets",
        sa.Column("credit", sa.String(length=64), nullable=False),
        sa.Column("wallet", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("credit", name=op.f("pk_escrow_wallets")),
    )
    op.create_table(
        "chain_cursors",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("position", sa.String(length=128), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_chain_cursors")),
    )


def downgrade() -> None:
    op.drop_table("chain_cursors")
    op.drop_table("escrow_wallets")
    op.drop_index(op.f("ix_escrow_allocations_entry_id"), table_name="escrow_allocations")
    op.drop_table("escrow_allocations")
    op.drop_index(op.f("ix_escrow_chunks_wallet"), table_name="escrow_chunks")
    op.drop_index(op.f("ix_escrow_chunks_status"), table_name="escrow_chunks")
    op.drop_table("escrow_chunks")
    with op.batch_alter_table("credit_accounts") as batch:
        batch.drop_constraint(op.f("ck_credit_accounts_onchain_within_balance"), type_="check")
        batch.drop_column("onchain")
