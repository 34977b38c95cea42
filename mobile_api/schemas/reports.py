"""Reports, obligations and the overdue list."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from correction.models import LifeEvent, ReportKind
from correction.services.obligations import OVERDUE_KINDS
from correction.services.uploads import MAX_PHOTOS_PER_REPORT
from mobile_api.schemas.base import COORD_TYPE, PageArgsSchema, StrictSchema, in_range, page_schema, record_id, text



class LocationSchema(StrictSchema):
    lat = fields.Float(required=True, validate=in_range(-90, 90))
    lng = fields.Float(required=True, validate=in_range(-180, 180))
    coord_type = fields.String(required=True, validate=COORD_TYPE)
    accuracy_m = fields.Float(load_default=None, allow_none=True, validate=in_range(0, 100000))


class ReportCreateSchema(StrictSchema):
    kind = fields.Enum(ReportKind, required=True, metadata={
        "description": "periodic (定期报告), life_event (及时报告), health_report and medical_review (暂予监外执行)"})
    content = fields.String(required=True, validate=[
        validate.Length(min=1, max=5000, error="报告内容应为1到5000个字符。"),
        validate.Regexp(r"\S", error="报告内容不能为空白。")])
    event_type = fields.Enum(LifeEvent, load_default=None, allow_none=True,
                             metadata={"description": "required for life_event"})
    location = fields.Nested(LocationSchema, load_default=None, allow_none=True)
    photo_ids = fields.List(record_id(), load_default=list, metadata={"description": "ids from POST /me/uploads"},
                            validate=validate.Length(max=MAX_PHOTOS_PER_REPORT,
                                                     error=f"最多{MAX_PHOTOS_PER_REPORT}张照片。"))

    @validates_schema
    def event_type_goes_with_life_events(self, data, **kwargs):
        if data["kind"] == ReportKind.life_event and data.get("event_type") is None:
            raise ValidationError("及时报告须注明事项类型。", "event_type")
        if data["kind"] != ReportKind.life_event and data.get("event_type") is not None:
            raise ValidationError("只有及时报告有事项类型。", "event_type")


class SubjectRefSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class ReportSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.Enum(ReportKind, required=True)
    event_type = fields.Enum(LifeEvent, allow_none=True)
    content = fields.String(required=True)
    submitted_at = fields.DateTime(required=True, metadata={"description": "server receive time"})
    period_start = fields.Date(allow_none=True)
    period_end = fields.Date(allow_none=True)
    on_time = fields.Boolean(allow_none=True)
    location = fields.Method("dump_location", allow_none=True)
    photo_ids = fields.Method("dump_photo_ids")
    subject = fields.Nested(SubjectRefSchema, required=True)
    reviewed_at = fields.DateTime(allow_none=True)
    review_comment = fields.String(allow_none=True)
    flagged = fields.Boolean(required=True)

    def dump_location(self, report):
        if report.lat is None:
            return None
        return {"lat": report.lat, "lng": report.lng, "coord_type": report.coord_type, "accuracy_m": report.accuracy_m}

    def dump_photo_ids(self, report):
        return [photo.id for photo in report.photos]


class ReportListArgsSchema(PageArgsSchema):
    reviewed = fields.Boolean(load_default=None)
    flagged = fields.Boolean(load_default=None)
    subject_id = record_id(strict=False, load_default=None)
    kind = fields.Enum(ReportKind, load_default=None)


class ReviewSchema(StrictSchema):
    comment = text(2000, load_default=None)
    flagged = fields.Boolean(load_default=False, metadata={"description": "mark for follow-up"})


class ObligationSchema(Schema):
    kind = fields.String(required=True, metadata={
        "description": "report_in, periodic, health_report, medical_review, education_hours, public_welfare_hours, "
                       "checkin, spot_check"})
    due = fields.Date(required=True, metadata={"description": "last day it is on time"})
    status = fields.String(required=True, metadata={"description": "open, fulfilled, overdue"})
    period_start = fields.Date(allow_none=True)
    period_end = fields.Date(allow_none=True)
    report_id = fields.Integer(allow_none=True)
    required_hours = fields.Float(allow_none=True)
    done_hours = fields.Float(allow_none=True)
    due_at = fields.DateTime(allow_none=True, metadata={"description": "check-ins: the instant it closes"})
    spot_check_id = fields.Integer(allow_none=True)


class OverdueArgsSchema(PageArgsSchema):
    as_of = fields.AwareDateTime(load_default=None, metadata={"description": "default: now"})
    office_id = record_id(strict=False, load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf(
        OVERDUE_KINDS, error="必须是以下之一：{choices}。"))


class OverdueItemSchema(Schema):
    subject = fields.Method("dump_subject")
    kind = fields.String(required=True)
    period_start = fields.Date(allow_none=True)
    period_end = fields.Date(allow_none=True)
    due = fields.Date(required=True)
    days_late = fields.Integer(required=True)
    required_hours = fields.Float(allow_none=True)
    done_hours = fields.Float(allow_none=True)

    def dump_subject(self, item):
        return {"id": item.subject_id, "name": item.subject_name, "office_id": item.office_id}


class OverduePageSchema(page_schema(OverdueItemSchema, "OverduePageBase")):
    as_of = fields.DateTime(required=True)


ReportPageSchema = page_schema(ReportSchema, "ReportPageSchema")
