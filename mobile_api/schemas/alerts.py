"""Alerts (告警): the officers' and the supervisee's views, resolution, contest and its answer."""

from marshmallow import Schema, fields

from correction.models import AlertStatus, AlertType, Disposition
from correction.services import alert_actions
from mobile_api.schemas.base import PageArgsSchema, StrictSchema, UnitRefSchema, page_schema, record_id, text
from mobile_api.schemas.reports import SubjectRefSchema


class SuggestionSchema(Schema):
    code = fields.String(required=True, metadata={
        "description": "admonition | warning | revocation_proposal | police_penalty_proposal (管制)"})
    text = fields.String(required=True)


class MyAlertSchema(Schema):
    """What the supervisee sees of an alert about them."""

    id = fields.Integer(required=True)
    type = fields.Enum(AlertType, required=True)
    status = fields.Enum(AlertStatus, required=True)
    title = fields.String(required=True)
    evidence = fields.Dict(required=True)
    opened_at = fields.DateTime(required=True)
    resolved_at = fields.DateTime(allow_none=True)
    disposition = fields.Enum(Disposition, allow_none=True, metadata={
        "description": "excused (不予处理) | admonition (训诫) | warning (警告) | other"})
    contested_at = fields.DateTime(allow_none=True)
    contest_explanation = fields.String(allow_none=True)
    contest_attachments = fields.Method("dump_attachments", metadata={"description": "upload ids sent with it"})
    contest_answered_at = fields.DateTime(allow_none=True)
    contest_answer = fields.String(allow_none=True)

    def dump_attachments(self, alert):
        return alert_actions.attachment_ids(alert)


class AlertSchema(MyAlertSchema):
    """The officers' and inspectors' view: who acted, and the sanction ladder's suggestion."""

    subject = fields.Nested(SubjectRefSchema, required=True)
    office = fields.Nested(UnitRefSchema, required=True, metadata={"description": "the office when it opened"})
    suggestion = fields.Nested(SuggestionSchema, allow_none=True, metadata={
        "description": "the sanction ladder's suggestion; officers decide"})
    acknowledged_at = fields.DateTime(allow_none=True)
    acknowledged_by_id = fields.Integer(allow_none=True)
    resolved_by_id = fields.Integer(allow_none=True)
    resolution_note = fields.String(allow_none=True)
    contest_answered_by_id = fields.Integer(allow_none=True)


class AlertArgsSchema(PageArgsSchema):
    status = fields.Enum(AlertStatus, load_default=None)
    type = fields.Enum(AlertType, load_default=None)
    subject_id = record_id(strict=False, load_default=None)


class ResolveSchema(StrictSchema):
    disposition = fields.Enum(Disposition, required=True, metadata={
        "description": "excused (不予处理) | admonition (训诫) | warning (警告) | other"})
    note = text(1000, required=True)
    propose_revocation = fields.Boolean(load_default=False, metadata={
        "description": "with disposition `other`: 提请撤销缓刑、假释 or 收监执行 (recorded as a sanction)"})


class ContestSchema(StrictSchema):
    explanation = text(1000, required=True)
    attachments = fields.List(record_id(), load_default=list, metadata={
        "description": "upload ids (POST /me/uploads): 诊断证明、手机维修单…"})


class ContestAnswerSchema(StrictSchema):
    answer = text(1000, required=True)


AlertPageSchema = page_schema(AlertSchema, "AlertPageSchema")
MyAlertPageSchema = page_schema(MyAlertSchema, "MyAlertPageSchema")
