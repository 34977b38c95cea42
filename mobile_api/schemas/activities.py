"""Activity records: education, public-welfare work, talks and visits, with hours; monthly totals."""

import re
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate

from correction.models import ActivityKind, ActivityStatus, Level
from correction.services.activities import COUNTED_KINDS, HOURS_MESSAGE, HOURS_STEP, MAX_HOURS, MIN_HOURS
from mobile_api.schemas.base import PageArgsSchema, StrictSchema, in_range, page_schema, text

_MONTH = re.compile(r"([12][0-9]{3})-(0[1-9]|1[0-2])")
KINDS = "education (教育学习), public_welfare (公益活动), talk (个别谈话/个别教育), visit (走访/实地查访)"


class Month(fields.String):
    """A calendar month as `YYYY-MM`: loads as the month's first day, dumps any day as its month."""

    default_error_messages = {"invalid_month": "应为年月（YYYY-MM）。"}

    def __init__(self, **kwargs):
        metadata = {"pattern": f"^{_MONTH.pattern}$", "example": "2026-11", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{value:%Y-%m}"

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        match = _MONTH.fullmatch(super()._deserialize(value, attr, data, **kwargs))
        if match is None:
            raise self.make_error("invalid_month")
        return date(int(match[1]), int(match[2]), 1)


def _half_hours(value: float) -> None:
    if value / float(HOURS_STEP) != int(value / float(HOURS_STEP)):
        raise ValidationError(HOURS_MESSAGE)


def hours_field() -> fields.Float:
    return fields.Float(required=True, validate=[in_range(float(MIN_HOURS), MAX_HOURS), _half_hours],
                        metadata={"multipleOf": float(HOURS_STEP), "description": "duration in hours"})


class ActivityCreateSchema(StrictSchema):
    kind = fields.Enum(ActivityKind, required=True, metadata={"description": KINDS})
    occurred_on = fields.Date(required=True, metadata={"description": "not in the future, not before report-in"})
    hours = hours_field()
    note = text(1000, load_default=None)


class OwnActivityCreateSchema(ActivityCreateSchema):
    kind = fields.String(required=True, validate=validate.OneOf(
        [str(kind) for kind in COUNTED_KINDS], error="只能自行申报教育学习或公益活动。"), metadata={
        "description": "education (教育学习) or public_welfare (公益活动); talks and visits are recorded by officers"})


class ActivityDecisionSchema(StrictSchema):
    note = text(500, load_default=None, metadata={"description": "审核意见, appended to the activity's note"})


class ActivitySchema(Schema):
    id = fields.Integer(required=True)
    subject_id = fields.Integer(required=True)
    kind = fields.Enum(ActivityKind, required=True)
    occurred_on = fields.Date(required=True)
    hours = fields.Method("dump_hours", required=True, metadata={"type": "number"})
    note = fields.String(allow_none=True)
    status = fields.Enum(ActivityStatus, required=True, metadata={
        "description": "pending (submitted by the supervisee), confirmed (counts), rejected"})
    recorded_by_id = fields.Integer(required=True, metadata={"description": "the officer, or the supervisee user"})
    decided_by_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime(required=True)

    def dump_hours(self, activity) -> float:
        return activity.minutes / 60


class ActivityHoursSchema(Schema):
    required_hours = fields.Float(allow_none=True, metadata={
        "description": "the rule's hours for the level governing the month; null outside correction"})
    confirmed_hours = fields.Float(required=True)
    pending_hours = fields.Float(required=True)


class MonthlyHoursSchema(Schema):
    month = Month(required=True)
    level = fields.String(allow_none=True, validate=validate.OneOf([str(level) for level in Level]), metadata={
        "description": "the level governing the month's last day (today while it runs); 严管 for new intakes"})
    education = fields.Nested(ActivityHoursSchema, required=True)
    public_welfare = fields.Nested(ActivityHoursSchema, required=True)


class ActivityMonthArgsSchema(PageArgsSchema):
    month = Month(load_default=None, metadata={"description": "default: this month (Asia/Shanghai)"})


class ActivityMonthSchema(page_schema(ActivitySchema, "ActivityPageSchema")):
    """One page of a month's activities, newest first, and the month's hours against the required."""

    totals = fields.Nested(MonthlyHoursSchema, required=True)
