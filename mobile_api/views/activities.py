"""Activity records: education, public-welfare work, talks and visits (filled in by the activities work)."""

from mobile_api.routes import Blueprint

blp = Blueprint("activities", __name__, url_prefix="/api/v1", description="教育学习、公益活动、个别谈话与走访记录")
