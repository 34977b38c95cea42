"""The supervisee's own profile."""

from marshmallow import Schema, fields

from correction.models import Category, Level, SubjectStatus
from mobile_api.schemas.base import UnitRefSchema
from mobile_api.schemas.subjects import EnterpriseRoleSchema


class OfficerContactSchema(Schema):
    name = fields.String(required=True)
    phone = fields.String(allow_none=True)


class MeSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    id_number = fields.String(attribute="id_number_masked", required=True)
    category = fields.Enum(Category, required=True)
    level = fields.Enum(Level, required=True)
    status = fields.Enum(SubjectStatus, required=True)
    term_start = fields.Date(required=True)
    term_end = fields.Date(required=True)
    unit = fields.Nested(UnitRefSchema, attribute="office", required=True)
    officer = fields.Nested(OfficerContactSchema, allow_none=True)
    enterprise_role = fields.Nested(EnterpriseRoleSchema, allow_none=True)
    report_in_due = fields.Date(required=True)
    next_report_due = fields.Method("dump_next_report_due", allow_none=True, metadata={
        "description": "the next report deadline; until periodic reports exist, the report-in deadline while "
                       "it is owed"})
    active_leave = fields.Constant(None, allow_none=True, metadata={"description": "the current leave, when any"})

    def dump_next_report_due(self, subject):
        return subject.report_in_due.isoformat() if subject.status == SubjectStatus.awaiting_report else None
