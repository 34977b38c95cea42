"""check-ins partitioned by month of capture on PostgreSQL

On PostgreSQL `checkins` becomes a table partitioned by range of `captured_at`, one partition per Asia/Shanghai
month (`checkins_yYYYYmMM`) from the month of the oldest fix to three months ahead, and `checkins_default` for any
fix outside them; the rows are copied over (a maintenance window at national scale: the table is locked while it
is copied). A partitioned table's unique constraints must hold the partition key: the primary key becomes
(id, captured_at) and the idempotency key (subject_id, client_id, captured_at), on SQLite too (a retry repeats
the capture time); and no foreign key may point at it, so `location_signals.checkin_id` loses its own.
The scheduler's `checkin_partitions` job makes the months ahead from then on (correction/services/checkin_partitions.py).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 09:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

FOREIGN_KEYS = (("fk_checkins_leave_id_leave_requests", "leave_id", "leave_requests"),
                ("fk_checkins_permit_id_travel_permits", "permit_id", "travel_permits"),
                ("fk_checkins_spot_check_id_spot_checks", "spot_check_id", "spot_checks"),
                ("fk_checkins_subject_id_subjects", "subject_id", "subjects"))
MONTHS_AHEAD = 3


def _months(connection) -> list[tuple[int, int]]:
    """(year, month) from the oldest fix's local month (or this month) to MONTHS_AHEAD after this month."""
    first, now = connection.execute(sa.text(
        "SELECT date_trunc('month', min(captured_at) AT TIME ZONE 'Asia/Shanghai'), "
        "date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') FROM checkins")).one()
    first = min(first or now, now)
    start, end = first.year * 12 + first.month - 1, now.year * 12 + now.month - 1 + MONTHS_AHEAD
    return [(index // 12, index % 12 + 1) for index in range(start, end + 1)]


def _constraints_and_indexes(primary_key: str, unique: str) -> None:
    op.execute(f"ALTER TABLE checkins ADD CONSTRAINT pk_checkins PRIMARY KEY ({primary_key})")
    op.execute(f"ALTER TABLE checkins ADD CONSTRAINT uq_checkins_subject_id UNIQUE ({unique})")
    for name, column, table in FOREIGN_KEYS:
        op.execute(f"ALTER TABLE checkins ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {table} (id)")
    op.execute("CREATE INDEX ix_checkins_received_at ON checkins (received_at)")
    op.execute("CREATE INDEX ix_checkins_subject_captured ON checkins (subject_id, captured_at)")


def _replace_checkins(partition_clause: str) -> None:
    """Copy `checkins` into a new table (partitioned when the clause says so) that takes its name and sequence."""
    op.execute(f"CREATE TABLE checkins_new (LIKE checkins INCLUDING DEFAULTS INCLUDING CONSTRAINTS) {partition_clause}")
    if partition_clause:
        op.execute("CREATE TABLE checkins_default PARTITION OF checkins_new DEFAULT")
        for year, month in _months(op.get_bind()):
            after = (year, month + 1) if month < 12 else (year + 1, 1)
            op.execute(f"CREATE TABLE checkins_y{year:04d}m{month:02d} PARTITION OF checkins_new FOR VALUES FROM "
                       f"('{year:04d}-{month:02d}-01 00:00+08') TO ('{after[0]:04d}-{after[1]:02d}-01 00:00+08')")
    op.execute("INSERT INTO checkins_new SELECT * FROM checkins")
    op.execute("ALTER SEQUENCE checkins_id_seq OWNED BY NONE")
    op.execute("DROP TABLE checkins")
    op.execute("ALTER TABLE checkins_new RENAME TO checkins")
    op.execute("ALTER SEQUENCE checkins_id_seq OWNED BY checkins.id")


def upgrade():
    with op.batch_alter_table('location_signals', schema=None) as batch_op:
        batch_op.drop_constraint('fk_location_signals_checkin_id_checkins', type_='foreignkey')
    if op.get_bind().dialect.name == 'postgresql':
        _replace_checkins("PARTITION BY RANGE (captured_at)")
        _constraints_and_indexes("id, captured_at", "subject_id, client_id, captured_at")
    else:
        with op.batch_alter_table('checkins', schema=None) as batch_op:
            batch_op.drop_constraint('uq_checkins_subject_id', type_='unique')
            batch_op.create_unique_constraint('uq_checkins_subject_id', ['subject_id', 'client_id', 'captured_at'])


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        _replace_checkins("")
        _constraints_and_indexes("id", "subject_id, client_id")
    else:
        with op.batch_alter_table('checkins', schema=None) as batch_op:
            batch_op.drop_constraint('uq_checkins_subject_id', type_='unique')
            batch_op.create_unique_constraint('uq_checkins_subject_id', ['subject_id', 'client_id'])
    with op.batch_alter_table('location_signals', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_location_signals_checkin_id_checkins', 'checkins', ['checkin_id'], ['id'])
