"""Statistics for officers, inspectors and administrators, each over their own scope."""

from correction.models import Role
from correction.services import stats
from mobile_api.auth import BEARER, actor, roles
from mobile_api.routes import Blueprint
from mobile_api.schemas.stats import PeriodSchema, StatsSchema

blp = Blueprint("stats", __name__, url_prefix="/api/v1", description="统计：在册人数、接收与解除、外出审批、告警与报告")


@blp.get("/stats")
@blp.doc(security=BEARER)
@roles(Role.officer, Role.inspector, Role.admin)
@blp.arguments(PeriodSchema, location="query")
@blp.response(200, StatsSchema)
def get_stats(args):
    """Figures for the period `from`…`to` (inclusive, at most 366 days) over the caller's scope: an office's
    subjects, a county's, the inspector's county, or every subject for an administrator. 422 for a reversed or
    too long period."""
    return stats.stats(actor(), args["from_"], args["to"])
