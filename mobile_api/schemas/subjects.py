"""Subjects: intake, file, changes, report-in, release, history."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from correction.models import Category, EnterpriseRoleKind, EventKind, Level, ReleaseType, Sex, SubjectStatus
from mobile_api.schemas.base import (
    COORD_TYPE, PageArgsSchema, StrictSchema, UnitRefSchema, in_range, page_schema, record_id, text,
)

CREDIT_CODE = validate.Regexp(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$",
                              error="统一社会信用代码应为18位（数字或大写字母，不含I、O、Z、S、V）。")
PHONE = validate.Regexp(r"^[0-9+\- ]{5,20}$", error="电话号码格式不正确。")


class PointSchema(StrictSchema):
    lat = fields.Float(required=True, validate=in_range(-90, 90))
    lng = fields.Float(required=True, validate=in_range(-180, 180))
    coord_type = fields.String(required=True, validate=COORD_TYPE)


class EnterpriseRoleSchema(StrictSchema):
    enterprise_name = text(200, required=True)
    credit_code = fields.String(required=True, validate=CREDIT_CODE)
    role = fields.Enum(EnterpriseRoleKind, required=True)


class SubjectCreateSchema(StrictSchema):
    name = text(50, required=True)
    id_number = text(18, min_length=18, required=True, load_only=True)
    sex = fields.Enum(Sex, required=True)
    birth_date = fields.Date(required=True)
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    category = fields.Enum(Category, required=True)
    judgment_date = fields.Date(required=True)
    effective_date = fields.Date(required=True)
    term_start = fields.Date(required=True)
    term_end = fields.Date(required=True)
    office_id = record_id(required=True)
    officer_id = record_id(load_default=None, allow_none=True)
    level = fields.Enum(Level, required=True)
    address = text(200, required=True)
    home = fields.Nested(PointSchema, load_default=None, allow_none=True)
    enterprise_role = fields.Nested(EnterpriseRoleSchema, load_default=None, allow_none=True)
    investigation_id = record_id(load_default=None, allow_none=True, metadata={
        "description": "the pre-sentence investigation (调查评估) of this person, linked to the new file"})


class SubjectUpdateSchema(StrictSchema):
    reason = text(500, required=True)
    level = fields.Enum(Level)
    level_effective_on = fields.Date()
    office_id = record_id()
    officer_id = record_id()
    phone = fields.String(validate=PHONE)
    address = text(200)
    enterprise_role = fields.Nested(EnterpriseRoleSchema, allow_none=True)

    @validates_schema
    def something_to_change(self, data, **kwargs):
        if not set(data) - {"reason", "level_effective_on"}:
            raise ValidationError("请至少提供一项要修改的内容。")


class OfficerRefSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    phone = fields.String(allow_none=True)


class ActorRefSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class SubjectSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    id_number = fields.String(attribute="id_number_masked", required=True, metadata={"description": "masked"})
    sex = fields.Enum(Sex, required=True)
    birth_date = fields.Date(required=True)
    phone = fields.String(allow_none=True)
    category = fields.Enum(Category, required=True)
    level = fields.Enum(Level, required=True)
    status = fields.Enum(SubjectStatus, required=True)
    judgment_date = fields.Date(required=True)
    effective_date = fields.Date(required=True)
    term_start = fields.Date(required=True)
    term_end = fields.Date(required=True)
    address = fields.String(required=True)
    home = fields.Method("dump_home", allow_none=True)
    county = fields.Nested(UnitRefSchema, required=True)
    office = fields.Nested(UnitRefSchema, required=True)
    officer = fields.Nested(OfficerRefSchema, allow_none=True)
    enterprise_role = fields.Nested(EnterpriseRoleSchema, allow_none=True)
    report_in_due = fields.Date(required=True)
    reported_in_on = fields.Date(allow_none=True)
    ended_on = fields.Date(allow_none=True)
    end_type = fields.Enum(ReleaseType, allow_none=True)
    created_at = fields.DateTime(required=True)

    def dump_home(self, subject):
        if subject.home_lat is None:
            return None
        return {"lat": subject.home_lat, "lng": subject.home_lng, "coord_type": subject.home_coord_type}


class SubjectListArgsSchema(PageArgsSchema):
    status = fields.Enum(SubjectStatus, load_default=None)
    level = fields.Enum(Level, load_default=None)
    category = fields.Enum(Category, load_default=None)
    office_id = record_id(strict=False, load_default=None)
    q = text(50, load_default=None, metadata={"description": "name contains, or an exact ID number"})


class ReportInSchema(StrictSchema):
    date = fields.Date(load_default=None, metadata={"description": "default: today (Asia/Shanghai)"})
    note = text(500, load_default=None)


class ReleaseSchema(StrictSchema):
    date = fields.Date(required=True)
    type = fields.Enum(ReleaseType, required=True, validate=validate.NoneOf(
        [ReleaseType.transferred], error="迁出由变更执行地流程登记。"),
        metadata={"description": "expiry, pardon (解除); revocation, custody, death, other (终止)"})
    note = text(1000, load_default=None)


class ActivationCodeSchema(Schema):
    code = fields.String(required=True, metadata={"description": "give it to the subject; shown only once"})
    expires_at = fields.DateTime(required=True)


class SubjectEventSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.Enum(EventKind, required=True)
    effective_on = fields.Date(required=True)
    from_value = fields.String(allow_none=True)
    to_value = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    actor = fields.Nested(ActorRefSchema, allow_none=True)
    recorded_at = fields.DateTime(required=True)


SubjectPageSchema = page_schema(SubjectSchema, "SubjectPageSchema")
