"""Page through a select: the list contract's `{items, page, per_page, total}`."""

from dataclasses import dataclass

import sqlalchemy as sa

from correction.db import db


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    per_page: int
    total: int


def page_of(stmt: sa.Select, page: int, per_page: int) -> Page:
    """Run `stmt` for one page, with the total count of the unpaged query."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(items), page, per_page, total)
