"""Standing permits (经常性跨市县) and the trips notified under them."""

from marshmallow import Schema, fields, validate

from correction.models import LeaveKind, LeaveStatus, PermitStatus
from mobile_api.schemas.base import PageArgsSchema, StrictSchema, page_schema, text

CITY_CODE = validate.Regexp(r"^\d{6}$", error="城市代码应为6位数字。")
MAX_DESTINATIONS = 20


class PermitDestinationCreateSchema(StrictSchema):
    city_code = fields.String(required=True, validate=CITY_CODE, metadata={
        "description": "GB/T 2260 code of a prefecture-level city; 110000, 120000, 310000, 500000 for the "
                       "municipalities"})
    city_name = text(50, required=True)
    address = text(200, load_default=None, allow_none=True)


class PermitCreateSchema(StrictSchema):
    destinations = fields.List(fields.Nested(PermitDestinationCreateSchema), required=True, validate=validate.Length(
        min=1, max=MAX_DESTINATIONS, error=f"目的地城市应为1到{MAX_DESTINATIONS}个。"))
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True, metadata={
        "description": "inclusive; at most travel_permit.max_validity_months (6) months from valid_from"})
    reason = text(500, required=True)
    frequency = text(200, required=True, metadata={"description": "e.g. 每周往返一次"})
    fast_track = fields.Boolean(load_default=False, metadata={
        "description": "涉企 fast track: eligible enterprise subjects only; decided within "
                       "leave.fast_track.decision_hours"})


class PermitDecisionSchema(StrictSchema):
    opinion = text(1000, load_default=None, allow_none=True)


class PermitRejectionSchema(StrictSchema):
    opinion = text(1000, required=True)


class PermitRevocationSchema(StrictSchema):
    reason = text(1000, required=True, metadata={"description": "the violation that ends the permit"})


class PermitTripCreateSchema(StrictSchema):
    city_code = fields.String(required=True, validate=CITY_CODE, metadata={"description": "one of the permit's"})
    depart_date = fields.Date(required=True)
    return_date = fields.Date(required=True)


class PermitListArgsSchema(PageArgsSchema):
    status = fields.Enum(PermitStatus, load_default=None)


class PermitDestinationSchema(Schema):
    city_code = fields.String(required=True)
    city_name = fields.String(required=True)
    address = fields.String(allow_none=True)


class PermitStepSchema(Schema):
    step = fields.String(required=True, metadata={"description": "submitted, approved, rejected, cancelled, revoked"})
    level = fields.String(allow_none=True, metadata={"description": "unit kind of the actor"})
    opinion = fields.String(allow_none=True)
    at = fields.DateTime(required=True)


class PermitSubjectSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class PermitSchema(Schema):
    id = fields.Integer(required=True)
    subject = fields.Nested(PermitSubjectSchema, required=True)
    status = fields.Enum(PermitStatus, required=True)
    reason = fields.String(required=True)
    frequency = fields.String(required=True)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True)
    fast_track = fields.Boolean(required=True)
    submitted_at = fields.DateTime(required=True)
    decision_due_at = fields.DateTime(allow_none=True, metadata={"description": "fast track: decide by then"})
    decided_at = fields.DateTime(allow_none=True)
    destinations = fields.List(fields.Nested(PermitDestinationSchema), required=True)
    steps = fields.List(fields.Nested(PermitStepSchema), required=True)


class PermitTripSchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "a leave request: return via "
                                                                "/me/leave-requests/{id}/return"})
    kind = fields.Enum(LeaveKind, required=True)
    permit_id = fields.Integer(required=True)
    status = fields.Enum(LeaveStatus, required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    days = fields.Integer(required=True)
    destinations = fields.List(fields.Nested(PermitDestinationSchema), required=True)


PermitPageSchema = page_schema(PermitSchema, "PermitPageSchema")
