"""sign-in sessions kept on the server, replacing the per-user session version (accounts)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:30:00

A login now opens a row in sign_in_sessions (the SHA-256 of a random token that only the
browser's cookie holds, the area, when it opened and when it was last seen); logging out, a
password change or reset, "log out everywhere" and expiry delete rows, so a copied cookie ends
with its row. That supersedes users.session_version (0004), which could only end every session
of a user at once: the column goes. Every session open at upgrade time ends (old cookies carry
"<id>.<version>", which names no row): everyone logs in once more.

Password-reset links need no table: they are signed and carry a fingerprint of the password
hash, so they stop working once the password changes.
"""

import sqlalchemy as sa
from alembic import op

import shop.db_types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "area",
            sa.Enum("back_office", "storefront", name="sessionarea", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("created_at", shop.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", shop.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sign_in_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sign_in_sessions_token_hash")),
    )
    with op.batch_alter_table("sign_in_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_sessions_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sign_in_sessions_last_seen_at"), ["last_seen_at"], unique=False)

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="1", nullable=False))

    with op.batch_alter_table("sign_in_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_sessions_last_seen_at"))
        batch_op.drop_index(batch_op.f("ix_sign_in_sessions_user_id"))

    op.drop_table("sign_in_sessions")
