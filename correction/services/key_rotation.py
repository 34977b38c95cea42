"""Key rotation for ID numbers at rest: every ciphertext re-encrypted under the newest key, every lookup digest
recomputed under the current index key, table by table in batches (one transaction per batch)."""

from collections.abc import Callable

import sqlalchemy as sa

from correction.components import components
from correction.db import db, transaction


def ciphered_tables() -> list[sa.Table]:
    """Every table that keeps an ID number: its ciphertext and its keyed digest."""
    return [t for t in db.metadata.sorted_tables if {"id_number_cipher", "id_number_digest"} <= set(t.columns.keys())]


def count() -> int:
    return sum(db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in ciphered_tables())


def rotate_id_numbers(batch_size: int = 500, progress: Callable[[int], None] = lambda n: None) -> int:
    """Re-encrypt with the first key of ID_NUMBER_KEYS (the others still decrypt) and re-digest with ID_INDEX_KEY;
    the number of rows rewritten. Safe to interrupt and run again: a row already rotated is rotated to itself.

    :raises cryptography.fernet.InvalidToken: a ciphertext none of the configured keys decrypts.
    """
    vault, done = components().vault, 0
    for table in ciphered_tables():
        last_id = 0
        while True:
            with transaction():
                rows = db.session.execute(sa.select(table.c.id, table.c.id_number_cipher).where(table.c.id > last_id)
                                          .order_by(table.c.id).limit(batch_size)).all()
                if not rows:
                    break
                db.session.execute(sa.update(table).where(table.c.id == sa.bindparam("row_id")), [
                    {"row_id": row.id, "id_number_cipher": vault.rotate(row.id_number_cipher),
                     "id_number_digest": vault.digest(vault.decrypt(row.id_number_cipher))} for row in rows])
            last_id, done = rows[-1].id, done + len(rows)
            progress(len(rows))
    return done
