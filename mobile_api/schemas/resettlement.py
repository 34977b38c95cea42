"""Resettlement and assistance (安置帮教): notices, handovers, the register, records, risk notes, consent."""

from marshmallow import Schema, ValidationError, fields, validates_schema

from correction.models import AssistanceCategory, AssistanceKind, AssistanceSource, AssistanceStatus, RiskKind, Sex
from mobile_api.schemas.base import PageArgsSchema, StrictSchema, UnitRefSchema, page_schema, record_id, text
from mobile_api.schemas.inspections import ExportArgsSchema
from mobile_api.schemas.subjects import PHONE


class NoticeCreateSchema(StrictSchema):
    """The prison's advance notice of release (刑满释放人员通知书)."""

    office_id = record_id(required=True, metadata={"description": "the judicial office of the person's residence"})
    name = text(50, required=True)
    id_number = text(18, min_length=18, required=True, load_only=True)
    sex = fields.Enum(Sex, required=True)
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    address = text(200, required=True)
    prison_name = text(100, required=True)
    notice_received_on = fields.Date(required=True)
    expected_release_on = fields.Date(required=True)
    key_case = fields.Boolean(required=True, metadata={"description": "the prison names a key case: 重点帮教对象"})
    out_of_province = fields.Boolean(load_default=False, metadata={"description": "a prison in another province"})


class HandoverCreateSchema(StrictSchema):
    """必接必送: who received the person, when and where."""

    released_on = fields.Date(required=True)
    received_at = fields.AwareDateTime(required=True)
    received_by = text(100, required=True, metadata={"description": "who received the person (names, relation)"})
    place = text(200, required=True)
    note = text(1000, load_default=None, allow_none=True)


class PersonUpdateSchema(StrictSchema):
    reason = text(500, required=True)
    category = fields.Enum(AssistanceCategory)
    phone = fields.String(validate=PHONE)
    address = text(200)

    @validates_schema
    def something_to_change(self, data, **kwargs):
        if not set(data) - {"reason"}:
            raise ValidationError("请至少提供一项要修改的内容。")


class AssistanceConsentSchema(StrictSchema):
    given = fields.Boolean(required=True, metadata={"description": "agreed to use the mini-program, or withdrew"})
    on = fields.Date(required=True)


class AssistanceCloseSchema(StrictSchema):
    closed_on = fields.Date(required=True)
    reason = text(500, required=True)


class AssistanceRecordCreateSchema(StrictSchema):
    kind = fields.Enum(AssistanceKind, required=True, metadata={
        "description": "contact, employment, training, subsistence, base_placement (named by base_name), other"})
    occurred_on = fields.Date(required=True)
    note = text(2000, required=True)
    base_name = text(100, load_default=None, allow_none=True, metadata={"description": "安置帮教基地"})


class RiskCreateSchema(StrictSchema):
    kind = fields.Enum(RiskKind, required=True, metadata={"description": "address_unknown, reoffending_signs, other"})
    note = text(2000, required=True)
    noted_on = fields.Date(required=True)


class RiskResolveSchema(StrictSchema):
    resolved_on = fields.Date(required=True)
    resolution = text(2000, required=True)


class PersonListArgsSchema(PageArgsSchema):
    status = fields.Enum(AssistanceStatus, load_default=None)
    category = fields.Enum(AssistanceCategory, load_default=None)
    office_id = record_id(strict=False, load_default=None)
    current = fields.Boolean(load_default=None, metadata={"description": "in the assistance period today"})
    joint_action = fields.Boolean(load_default=None, metadata={"description": "with an open risk note"})


class RegisterExportArgsSchema(ExportArgsSchema):
    """`format=xlsx|csv`."""


class HandoverSchema(Schema):
    released_on = fields.Date(required=True)
    received_at = fields.DateTime(required=True)
    received_by = fields.String(required=True)
    place = fields.String(required=True)
    on_time = fields.Boolean(required=True)
    note = fields.String(allow_none=True)


class PersonSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.Enum(AssistanceStatus, required=True)
    source = fields.Enum(AssistanceSource, required=True)
    category = fields.Enum(AssistanceCategory, required=True)
    county_id = fields.Integer(required=True)
    office = fields.Nested(UnitRefSchema, required=True)
    name = fields.String(required=True)
    id_number = fields.String(attribute="id_number_masked", required=True, metadata={"description": "masked"})
    sex = fields.Enum(Sex, required=True)
    phone = fields.String(allow_none=True)
    address = fields.String(required=True)
    subject_id = fields.Integer(allow_none=True, metadata={"description": "the correction file it came from"})
    prison_name = fields.String(allow_none=True)
    notice_received_on = fields.Date(allow_none=True)
    expected_release_on = fields.Date(allow_none=True)
    out_of_province = fields.Boolean(required=True)
    released_on = fields.Date(allow_none=True)
    period_end = fields.Date(allow_none=True, metadata={"description": "last day of the assistance period"})
    closed_on = fields.Date(allow_none=True)
    close_reason = fields.String(allow_none=True)
    mini_program_consent = fields.Boolean(required=True)
    consent_on = fields.Date(allow_none=True)
    handover = fields.Nested(HandoverSchema, allow_none=True)
    created_at = fields.DateTime(required=True)


class AssistanceRecordSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.Enum(AssistanceKind, required=True)
    occurred_on = fields.Date(required=True)
    note = fields.String(required=True)
    base_name = fields.String(allow_none=True)
    recorded_at = fields.DateTime(required=True)


class RiskSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.Enum(RiskKind, required=True)
    note = fields.String(required=True)
    noted_on = fields.Date(required=True)
    resolved_on = fields.Date(allow_none=True)
    resolution = fields.String(allow_none=True)


class MyAssistanceSchema(Schema):
    """What the mini-program shows a person who consented: the period and the office, nothing of the notes."""

    name = fields.String(required=True)
    category = fields.Enum(AssistanceCategory, required=True)
    status = fields.Enum(AssistanceStatus, required=True)
    released_on = fields.Date(allow_none=True)
    period_end = fields.Date(allow_none=True)
    office = fields.Nested(UnitRefSchema, required=True)


PersonPageSchema = page_schema(PersonSchema, "AssistedPersonPageSchema")
