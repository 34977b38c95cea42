"""变更执行地: the application, the officers' steps, and the request with the deadline of each step."""

from marshmallow import Schema, fields, validate

from correction.models import RelocationStatus
from correction.rules.relocation import SHORT_NOTICE
from mobile_api.schemas.base import PageArgsSchema, StrictSchema, UnitRefSchema, page_schema, record_id, text
from mobile_api.schemas.reports import SubjectRefSchema

NOT_BLANK = validate.Regexp(r"\S", error="不能为空白。")


class RelocationCreateSchema(StrictSchema):
    new_address = text(200, required=True, validate_also=NOT_BLANK)
    new_county_code = fields.String(required=True, validate=validate.Regexp(
        r"^\d{6}$", error="县级行政区划代码应为6位数字。"), metadata={"description": "GB/T 2260 county-level code"})
    reason = text(2000, required=True, validate_also=NOT_BLANK)
    move_date = fields.Date(required=True, metadata={
        "description": "applying later than the rule's days ahead (30) is accepted with the warning short_notice"})


class RelocationStepSchema(Schema):
    step = fields.String(required=True, metadata={
        "description": "submitted, opinion, consult_sent, consult_agreed, consult_refused, approved, rejected, "
                       "handed_over, reported"})
    level = fields.String(allow_none=True, metadata={"description": "judicial_office or county_agency; none for "
                                                                    "the supervisee"})
    actor = fields.Method("dump_actor", allow_none=True)
    opinion = fields.String(allow_none=True)
    at = fields.DateTime(required=True)

    def dump_actor(self, step):
        return {"id": step.actor.id, "name": step.actor.name} if step.actor else None


class RelocationDeadlinesSchema(Schema):
    apply_by = fields.Date(required=True, metadata={"description": "last day to apply on time for the move date"})
    consult_due = fields.Date(required=True, metadata={"description": "letter to the receiving county"})
    reply_due = fields.Date(allow_none=True, metadata={"description": "the receiving county's reply"})
    handover_due = fields.Date(allow_none=True, metadata={"description": "files to the receiving agency"})
    report_due = fields.Date(allow_none=True, metadata={"description": "the subject reports to the new agency"})


class RelocationSchema(Schema):
    id = fields.Integer(required=True, attribute="request.id")
    status = fields.Enum(RelocationStatus, required=True, attribute="request.status")
    subject = fields.Nested(SubjectRefSchema, required=True, attribute="request.subject")
    new_address = fields.String(required=True, attribute="request.new_address")
    new_county_code = fields.String(required=True, attribute="request.new_county_code")
    target_county = fields.Nested(UnitRefSchema, allow_none=True, attribute="request.target_county", metadata={
        "description": "the receiving county agency when it is in this deployment"})
    reason = fields.String(required=True, attribute="request.reason")
    move_date = fields.Date(required=True, attribute="request.move_date")
    submitted_at = fields.DateTime(required=True, attribute="request.submitted_at")
    consult_sent_on = fields.Date(allow_none=True, attribute="request.consult_sent_on")
    consult_reply_on = fields.Date(allow_none=True, attribute="request.consult_reply_on")
    consult_agreed = fields.Boolean(allow_none=True, attribute="request.consult_agreed")
    decided_at = fields.DateTime(allow_none=True, attribute="request.decided_at")
    handed_over_on = fields.Date(allow_none=True, attribute="request.handed_over_on")
    handover_note = fields.String(allow_none=True, attribute="request.handover_note")
    reported_on = fields.Date(allow_none=True, attribute="request.reported_on")
    reported_late = fields.Boolean(allow_none=True)
    warnings = fields.List(fields.String(), required=True, metadata={
        "description": f"{SHORT_NOTICE}: applied later than the rule's days ahead of the move (officers decide)"})
    deadlines = fields.Nested(RelocationDeadlinesSchema, required=True)
    steps = fields.List(fields.Nested(RelocationStepSchema), required=True, attribute="request.steps")


class RelocationListArgsSchema(PageArgsSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(
        ("open", *(s.value for s in RelocationStatus)), error="必须是以下之一：{choices}。"),
        metadata={"description": "open: submitted, consulting, approved or handed over"})
    subject_id = record_id(strict=False, load_default=None)


class RelocationOpinionSchema(StrictSchema):
    opinion = text(2000, required=True, validate_also=NOT_BLANK)


class RelocationApprovalSchema(StrictSchema):
    opinion = text(2000, load_default=None)


class RelocationConsultSchema(StrictSchema):
    sent_on = fields.Date(required=True, metadata={"description": "day the letter went to the receiving county"})


class RelocationReplySchema(StrictSchema):
    reply_on = fields.Date(required=True)
    agreed = fields.Boolean(required=True)
    note = text(2000, load_default=None)


class RelocationHandoverSchema(StrictSchema):
    handed_over_on = fields.Date(required=True)
    note = text(2000, load_default=None, metadata={
        "description": "what was sent; required when the receiving county is not in this deployment"})
    target_office_id = record_id(load_default=None, metadata={
        "description": "the receiving judicial office; required when the receiving county is in this deployment"})


class RelocationReportedSchema(StrictSchema):
    reported_on = fields.Date(required=True)


RelocationPageSchema = page_schema(RelocationSchema, "RelocationPageSchema")
