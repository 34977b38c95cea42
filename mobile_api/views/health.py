"""GET /healthz: 200 when the database answers."""

import sqlalchemy as sa
from flask import Blueprint, jsonify
from sqlalchemy.exc import SQLAlchemyError

from correction.db import db
from mobile_api.errors import envelope

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        return envelope(503, "database_unavailable", "数据库不可用。")
    return jsonify(status="ok")
