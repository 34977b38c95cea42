"""The audit trail of a subject's file, for the procuratorate, the county agency and administrators."""

from correction.models import Role
from correction.services import audit_trail, subject_export
from mobile_api.auth import BEARER, actor, roles
from mobile_api.routes import ID, Blueprint
from mobile_api.schemas.audit import AuditPageSchema, SubjectExportRequestSchema, SubjectExportSchema
from mobile_api.schemas.base import PageArgsSchema

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="审计日志：谁在何时查看或修改了档案")


@blp.get(f"/subjects/<{ID}:subject_id>/audit")
@blp.doc(security=BEARER)
@roles(Role.inspector, Role.officer, Role.admin)
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, AuditPageSchema)
def subject_audit(args, subject_id):
    """Who did and saw what on the file, newest first: inspectors and county officers of its county, and
    administrators; a judicial office gets 403 (the trail shows what the procuratorate reads)."""
    return audit_trail.subject_trail(actor(), subject_id, args["page"], args["per_page"])


@blp.post(f"/subjects/<{ID}:subject_id>/export")
@blp.doc(security=BEARER)
@roles(Role.officer, Role.admin)
@blp.arguments(SubjectExportRequestSchema)
@blp.response(200, SubjectExportSchema)
def export_subject(args, subject_id):
    """Everything held about one subject, for a lawful request (依法调取): county officers of its county and
    administrators, the reason kept in the audit trail as a read; a judicial office gets 403."""
    return subject_export.export_subject(actor(), subject_id, args["reason"])
