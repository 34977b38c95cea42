"""Reports and obligations: the supervisee's /me/reports and /me/obligations, the officers' review queue and
the overdue query."""

from mobile_api.routes import Blueprint

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="定期报告、及时报告、应履行事项与逾期查询")
