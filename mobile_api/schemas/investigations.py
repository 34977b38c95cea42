"""Pre-sentence investigations (调查评估): commission, record, extension, opinion, approval, outcome, export."""

from marshmallow import Schema, ValidationError, fields, validates_schema

from correction.models import Category, CommissionerKind, InvestigationStatus, Sex
from mobile_api.schemas.base import PageArgsSchema, StrictSchema, UnitRefSchema, page_schema, record_id, text
from mobile_api.schemas.inspections import ExportArgsSchema
from mobile_api.schemas.stats import PeriodSchema

LONG = 4000


class InvestigationCreateSchema(StrictSchema):
    commissioner_kind = fields.Enum(CommissionerKind, required=True,
                                    metadata={"description": "court, procuratorate, police, prison (委托机关)"})
    commissioner_name = text(100, required=True)
    commission_number = text(64, load_default=None, allow_none=True, metadata={"description": "委托函文号"})
    received_on = fields.Date(required=True, metadata={"description": "the day the 委托函 was received"})
    fast_track = fields.Boolean(load_default=False, metadata={"description": "速裁程序: the shorter deadline"})
    office_id = record_id(required=True, metadata={"description": "the judicial office that investigates"})
    name = text(50, required=True)
    id_number = text(18, min_length=18, required=True, load_only=True)
    sex = fields.Enum(Sex, required=True)
    address = text(200, required=True)
    charge = text(100, required=True, metadata={"description": "罪名"})
    intended_category = fields.Enum(Category, required=True, metadata={"description": "拟适用矫正类别"})


class InvestigationRecordSchema(StrictSchema):
    """The investigation record (调查评估记录); any subset, at least one field."""

    residence = text(LONG, metadata={"description": "居所情况"})
    family_relations = text(LONG, metadata={"description": "家庭和社会关系"})
    conduct = text(LONG, metadata={"description": "一贯表现"})
    offence_impact = text(LONG, metadata={"description": "犯罪后果和影响"})
    committee_opinion = text(LONG, metadata={"description": "村（居）委会意见"})
    victim_opinion = text(LONG, metadata={"description": "被害人意见"})
    proposed_prohibitions = text(LONG, metadata={"description": "拟禁止事项"})

    @validates_schema
    def something_to_record(self, data, **kwargs):
        if not data:
            raise ValidationError("请至少填写一项调查内容。")


class InvestigationExtensionCreateSchema(StrictSchema):
    new_due_on = fields.Date(required=True)
    agreed_with = text(100, required=True, metadata={"description": "who at the commissioning organ agreed"})
    reason = text(1000, required=True)


class OpinionSchema(StrictSchema):
    suitable = fields.Boolean(required=True, metadata={"description": "适宜 (true) or 不适宜 (false) 社区矫正"})
    opinion = text(LONG, required=True)


class ApprovalSchema(StrictSchema):
    sent_on = fields.Date(required=True, metadata={"description": "sent to the commissioning organ on this day"})
    note = text(1000, load_default=None, allow_none=True)


class OpinionReturnSchema(StrictSchema):
    note = text(1000, required=True, metadata={"description": "why the opinion goes back to the office"})


class OutcomeSchema(StrictSchema):
    adopted = fields.Boolean(required=True, metadata={"description": "the opinion was adopted (采纳)"})
    outcome_on = fields.Date(required=True)
    note = text(1000, load_default=None, allow_none=True)


class InvestigationListArgsSchema(PageArgsSchema):
    status = fields.Enum(InvestigationStatus, load_default=None)
    office_id = record_id(strict=False, load_default=None)
    subject_id = record_id(strict=False, load_default=None, metadata={"description": "the file it is linked to"})
    overdue = fields.Boolean(load_default=None, metadata={"description": "still open past the deadline"})


class InvestigationExportArgsSchema(PeriodSchema, ExportArgsSchema):
    """`from=&to=&format=xlsx|csv`: the commissions received in the period."""


class InvestigationExtensionSchema(Schema):
    id = fields.Integer(required=True)
    previous_due_on = fields.Date(required=True)
    new_due_on = fields.Date(required=True)
    agreed_with = fields.String(required=True)
    reason = fields.String(required=True)
    recorded_at = fields.DateTime(required=True)


class InvestigationSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.Enum(InvestigationStatus, required=True)
    commissioner_kind = fields.Enum(CommissionerKind, required=True)
    commissioner_name = fields.String(required=True)
    commission_number = fields.String(allow_none=True)
    received_on = fields.Date(required=True)
    fast_track = fields.Boolean(required=True)
    due_on = fields.Date(required=True, metadata={"description": "the deadline in force (extensions included)"})
    county_id = fields.Integer(required=True)
    office = fields.Nested(UnitRefSchema, required=True)
    name = fields.String(required=True)
    id_number = fields.String(attribute="id_number_masked", required=True, metadata={"description": "masked"})
    sex = fields.Enum(Sex, required=True)
    address = fields.String(required=True)
    charge = fields.String(required=True)
    intended_category = fields.Enum(Category, required=True)
    residence = fields.String(allow_none=True)
    family_relations = fields.String(allow_none=True)
    conduct = fields.String(allow_none=True)
    offence_impact = fields.String(allow_none=True)
    committee_opinion = fields.String(allow_none=True)
    victim_opinion = fields.String(allow_none=True)
    proposed_prohibitions = fields.String(allow_none=True)
    suitable = fields.Boolean(allow_none=True)
    opinion = fields.String(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    review_note = fields.String(allow_none=True)
    sent_on = fields.Date(allow_none=True, metadata={"description": "sent, copied to the procuratorate"})
    on_time = fields.Boolean(allow_none=True, metadata={"description": "sent by the deadline in force"})
    adopted = fields.Boolean(allow_none=True)
    outcome_on = fields.Date(allow_none=True)
    outcome_note = fields.String(allow_none=True)
    subject_id = fields.Integer(allow_none=True, metadata={"description": "the correction file linked at intake"})
    extensions = fields.List(fields.Nested(InvestigationExtensionSchema), required=True)
    created_at = fields.DateTime(required=True)


InvestigationPageSchema = page_schema(InvestigationSchema, "InvestigationPageSchema")
