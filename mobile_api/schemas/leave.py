"""Leave to travel (外出): requests, decisions, return, extension, the queue."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from correction.models import ApproverLevel, LeaveKind, LeaveStatus
from mobile_api.schemas.base import PageArgsSchema, StrictSchema, page_schema, record_id, text
from mobile_api.schemas.inspections import ExportArgsSchema
from mobile_api.schemas.reports import LocationSchema, SubjectRefSchema

REASON_TYPES = ("medical", "education", "litigation", "family", "work", "business")


class DestinationSchema(StrictSchema):
    city_code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="城市代码应为6位数字。"),
                              metadata={"description": "GB/T 2260 prefecture-level city; 110000/120000/310000/500000"})
    city_name = text(50, required=True)
    address = text(200, load_default=None)


class LeaveCreateSchema(StrictSchema):
    destinations = fields.List(fields.Nested(DestinationSchema), required=True, validate=validate.Length(
        min=1, max=10, error="目的地应为1到10个城市。"), metadata={"description": "一请多地: several cities"})
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    reason_type = fields.String(required=True, validate=validate.OneOf(REASON_TYPES,
                                                                       error="必须是以下之一：{choices}。"))
    reason = text(300, required=True)
    itinerary = text(2000, load_default=None)
    fast_track = fields.Boolean(load_default=False, metadata={"description": "涉企简捷通道 (business trips)"})
    attachments = fields.List(record_id(), load_default=list, metadata={
        "description": "upload ids (POST /me/uploads): 诊断证明、单位证明、入学证明、法律文书、企业证明…"})

    @validates_schema
    def end_after_start(self, data, **kwargs):
        if data["end_date"] < data["start_date"]:
            raise ValidationError("结束日期不能早于开始日期。", "end_date")


class StepSchema(Schema):
    step = fields.String(required=True)
    level = fields.String(allow_none=True)
    actor = fields.Method("dump_actor", allow_none=True)
    opinion = fields.String(allow_none=True)
    at = fields.DateTime(required=True)

    def dump_actor(self, step):
        return {"id": step.actor.id, "name": step.actor.name} if step.actor else None


class LeaveSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.Enum(LeaveKind, required=True)
    status = fields.Enum(LeaveStatus, required=True)
    subject = fields.Nested(SubjectRefSchema, required=True)
    destinations = fields.List(fields.Nested(DestinationSchema), required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    days = fields.Integer(required=True)
    approver_level = fields.Enum(ApproverLevel, required=True)
    fast_track = fields.Boolean(required=True)
    short_notice = fields.Boolean(required=True)
    warnings = fields.List(fields.String(), required=True)
    reason_type = fields.String(required=True)
    reason = fields.String(required=True)
    itinerary = fields.String(allow_none=True)
    submitted_at = fields.DateTime(required=True)
    decision_due_at = fields.DateTime(allow_none=True, metadata={"description": "fast track: decide by then"})
    decided_at = fields.DateTime(allow_none=True)
    departed_at = fields.DateTime(allow_none=True)
    returned_at = fields.DateTime(allow_none=True)
    extends_id = fields.Integer(allow_none=True)
    permit_id = fields.Integer(allow_none=True)
    escalated_at = fields.DateTime(allow_none=True, metadata={"description": "fast-track deadline missed"})
    attachments = fields.Method("dump_attachments")
    steps = fields.List(fields.Nested(StepSchema), required=True)

    def dump_attachments(self, request):
        return [upload.id for upload in request.attachments]


class DecisionSchema(StrictSchema):
    opinion = text(1000, load_default=None)


class RejectionSchema(StrictSchema):
    opinion = text(1000, required=True)


class ReturnSchema(StrictSchema):
    location = fields.Nested(LocationSchema, required=True)


class ExtensionSchema(StrictSchema):
    end_date = fields.Date(required=True)
    reason = text(300, required=True)


class LeaveQueueArgsSchema(PageArgsSchema):
    status = fields.String(load_default="pending", validate=validate.OneOf(
        ("pending", *(s.value for s in LeaveStatus)), error="必须是以下之一：{choices}。"))


class MonthArgsSchema(StrictSchema):
    month = fields.String(required=True, validate=validate.Regexp(r"^[12][0-9]{3}-(0[1-9]|1[0-2])$",
                                                                   error="月份格式应为 YYYY-MM。"))


class MonthlyExportArgsSchema(MonthArgsSchema, ExportArgsSchema):
    """`month=YYYY-MM&format=xlsx|csv`."""


class PeriodArgsSchema(StrictSchema):
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)


class FastTrackStatsSchema(Schema):
    decided = fields.Integer(required=True)
    median_hours = fields.Float(allow_none=True)
    within_deadline_share = fields.Float(allow_none=True)


class SuspensionSchema(StrictSchema):
    reason = text(500, required=True)


LeavePageSchema = page_schema(LeaveSchema, "LeavePageSchema")
