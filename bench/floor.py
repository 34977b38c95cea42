"""The floor for bench/checkins.py: what any check-in endpoint costs at least. Bench-only; never in the service.

`POST /bench/floor/checkins` does what `POST /api/v1/me/checkins` cannot avoid and nothing more:

- the same role guard (`roles(Role.supervisee)`: the JWT decoded and verified, the user loaded, one SELECT);
- the same request schema (imported from the service, so the floor validates exactly the same body) through the
  same argument parser (`mobile_api.routes.Blueprint`);
- one ORM INSERT of the raw fix into `bench_floor_checkins` and a commit, and a 201 with the new row's id.

(The real view also has `@idempotent`, which only reads a header the load does not send.)

No datum conversion, no subject lookup, no fences, no trips, no history, no signals: what the real endpoint adds
over this floor is what bench/checkins.py measures. The authentication is in the floor on purpose: every
authenticated endpoint pays it, so the ratio is about the check-in work, not about logging in.

`POST /bench/floor-noauth/checkins` is the same without the role guard (the row's user is NULL): validate and
insert only, the literal floor of issue 5, reported for information next to tech-notes §8.

`bench_floor_checkins` has the raw-fix columns of `checkins` with the same types, a primary key, a foreign key to
`users` and the same secondary indexes (owner and capture time, receive time, unique owner and client id), so
that the INSERT maintains as many indexes as a check-in's does. bench/checkins.py creates it (`create_table`).
"""

from datetime import datetime

import sqlalchemy as sa
from marshmallow import Schema, fields
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from correction import clock
from correction.db import UTCDateTime, db
from correction.models import Role, User
from mobile_api.auth import actor, roles
from mobile_api.routes import Blueprint
from mobile_api.schemas.checkins import CheckInCreateSchema as BODY_SCHEMA

TABLE = "bench_floor_checkins"
RAW_FIELDS = ("client_id", "lat", "lng", "coord_type", "accuracy_m", "source", "is_mock", "captured_at")


class Base(DeclarativeBase):
    """A registry of the bench's own: the floor table is not part of the service's metadata or migrations."""


class FloorFix(Base):
    """One raw fix as the floor stores it."""

    __tablename__ = TABLE

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey(User.__table__.c.id))
    client_id: Mapped[str | None] = mapped_column(sa.String(64))
    lat: Mapped[float]
    lng: Mapped[float]
    coord_type: Mapped[str] = mapped_column(sa.String(8))
    accuracy_m: Mapped[float]
    source: Mapped[str | None] = mapped_column(sa.String(32))
    is_mock: Mapped[bool] = mapped_column(default=False)
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.Index("ix_bench_floor_user_captured", "user_id", "captured_at"),
        sa.Index("ix_bench_floor_received_at", "received_at"),
        sa.UniqueConstraint("user_id", "client_id", name="uq_bench_floor_user_client"),
    )


def create_table(engine: sa.Engine) -> None:
    """Create the floor table if it is missing (bench/checkins.py, before the server starts)."""
    Base.metadata.create_all(engine)


class FloorOutSchema(Schema):
    id = fields.Integer(required=True)


blp = Blueprint("bench_floor", __name__, url_prefix="/bench")


def _insert(user_id: int | None, body: dict) -> dict:
    """INSERT … RETURNING id and COMMIT: the answer is taken before the commit expires the row (reading it
    afterwards would cost a SELECT)."""
    row = FloorFix(user_id=user_id, received_at=clock.now(),
                   **{name: body[name] for name in RAW_FIELDS if body.get(name) is not None})
    db.session.add(row)
    db.session.flush()
    answer = {"id": row.id}
    db.session.commit()
    return answer


@blp.post("/floor/checkins")
@roles(Role.supervisee)
@blp.arguments(BODY_SCHEMA)
@blp.response(201, FloorOutSchema)
def floor_checkin(body):
    """Authenticate as the real endpoint does, validate the same body, insert one row."""
    return _insert(actor().id, body)


@blp.post("/floor-noauth/checkins")
@blp.arguments(BODY_SCHEMA)
@blp.response(201, FloorOutSchema)
def floor_checkin_noauth(body):
    """Validate the same body, insert one row; no token needed."""
    return _insert(None, body)
