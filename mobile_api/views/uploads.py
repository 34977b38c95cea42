"""Photo uploads for reports (filled in by the uploads work)."""

from mobile_api.routes import Blueprint

blp = Blueprint("uploads", __name__, url_prefix="/api/v1", description="报告照片上传")
