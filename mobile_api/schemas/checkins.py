"""Location check-ins (签到, 离线补传), spot checks (随机点验) and location signals."""

from marshmallow import Schema, ValidationError, fields, validate

from correction.errors import RuleViolation
from correction.models import FixSource, SignalKind, SpotCheckStatus, Verdict
from correction.services.checkin_history import late
from correction.services.checkins import Invalid
from mobile_api.schemas.base import COORD_TYPE, PageArgsSchema, StrictSchema, in_range, page_schema, record_id, text
from mobile_api.schemas.reports import SubjectRefSchema

MAX_BATCH = 100
CLIENT_ID = validate.Regexp(r"^[\x21-\x7e]+$", error="客户端编号应为可见 ASCII 字符。")


class CheckInCreateSchema(StrictSchema):
    lat = fields.Float(required=True, validate=in_range(-90, 90))
    lng = fields.Float(required=True, validate=in_range(-180, 180))
    coord_type = fields.String(required=True, validate=COORD_TYPE, metadata={
        "description": "datum of lat/lng as wx.getLocation gave them: wgs84 (default there) or gcj02"})
    accuracy_m = fields.Float(required=True, validate=in_range(0, 100000), metadata={
        "description": "horizontal accuracy radius in metres"})
    captured_at = fields.AwareDateTime(required=True, metadata={
        "description": "when the phone took the fix (the supervisee's claim; the server's receive time counts)"})
    source = fields.Enum(FixSource, load_default=None, allow_none=True)
    is_mock = fields.Boolean(load_default=False, metadata={"description": "the phone reported a simulated location"})
    client_id = text(64, load_default=None, validate_also=CLIENT_ID, metadata={
        "description": "the phone's id for this fix: a retry with the same id returns the first result"})


class CheckInBatchItemSchema(CheckInCreateSchema):
    client_id = text(64, required=True, validate_also=CLIENT_ID)


class QueuedFixField(fields.Field):
    """One queued fix, validated on its own: a bad item is answered with its error instead of failing the batch."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return CheckInBatchItemSchema().load(value)
        except ValidationError as exc:
            client_id = value.get("client_id") if isinstance(value, dict) else None
            return Invalid(client_id if isinstance(client_id, str) else None,
                           RuleViolation("validation_failed", "提交的数据未通过校验。", exc.messages))


class CheckInBatchSchema(StrictSchema):
    items = fields.List(QueuedFixField(metadata={"type": "object", "description": "a fix as for POST /me/checkins, "
                                                 "client_id required"}),
                        required=True, validate=validate.Length(min=1, max=MAX_BATCH,
                                                                error=f"每次补传1到{MAX_BATCH}条定位。"))


class CheckInResultSchema(Schema):
    """What the supervisee is told about a fix."""

    id = fields.Integer(required=True)
    client_id = fields.String(allow_none=True)
    verdict = fields.Enum(Verdict, required=True, metadata={
        "description": "inside, on_approved_trip, outside, uncertain (judged at the capture time)"})
    distance_from_home_m = fields.Float(allow_none=True)
    captured_at = fields.DateTime(required=True)
    received_at = fields.DateTime(required=True, metadata={"description": "server receive time: the one that counts"})
    offline = fields.Boolean(required=True)
    late = fields.Boolean(required=True, metadata={"description": "captured long before it was received"})
    spot_check_id = fields.Integer(allow_none=True, metadata={"description": "the spot check this fix answered"})
    replayed = fields.Boolean(required=True, metadata={"description": "a retry: the fix was stored before"})


class ItemErrorSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", attribute="fields", allow_none=True)


class BatchItemResultSchema(Schema):
    index = fields.Integer(required=True, metadata={"description": "position of the item in the batch"})
    client_id = fields.String(allow_none=True)
    checkin = fields.Nested(CheckInResultSchema, attribute="recorded", allow_none=True)
    error = fields.Nested(ItemErrorSchema, allow_none=True)


class CheckInBatchResultSchema(Schema):
    items = fields.List(fields.Nested(BatchItemResultSchema), required=True)


class CheckInSchema(Schema):
    """A fix as officers and inspectors see it: raw, normalised and judged."""

    id = fields.Integer(required=True)
    subject = fields.Nested(SubjectRefSchema, required=True)
    client_id = fields.String(allow_none=True)
    lat = fields.Float(required=True)
    lng = fields.Float(required=True)
    coord_type = fields.String(required=True)
    accuracy_m = fields.Float(required=True)
    source = fields.Enum(FixSource, allow_none=True)
    is_mock = fields.Boolean(required=True)
    captured_at = fields.DateTime(required=True)
    received_at = fields.DateTime(required=True)
    offline = fields.Boolean(required=True)
    late = fields.Function(late, required=True)
    wgs_lat = fields.Float(required=True)
    wgs_lng = fields.Float(required=True)
    verdict = fields.Enum(Verdict, required=True)
    fence = fields.String(allow_none=True, metadata={"description": "county, home or city:<code>"})
    distance_from_home_m = fields.Float(allow_none=True)
    distance_to_boundary_m = fields.Float(allow_none=True)
    leave_id = fields.Integer(allow_none=True)
    permit_id = fields.Integer(allow_none=True)
    spot_check_id = fields.Integer(allow_none=True)


class LatestArgsSchema(PageArgsSchema):
    verdict = fields.Enum(Verdict, load_default=None)


class SpotCheckSchema(Schema):
    id = fields.Integer(required=True)
    subject = fields.Nested(SubjectRefSchema, required=True)
    requested_at = fields.DateTime(required=True)
    respond_by = fields.DateTime(required=True)
    status = fields.Enum(SpotCheckStatus, required=True)
    answered_at = fields.DateTime(allow_none=True)
    drawn = fields.Function(lambda spot_check: spot_check.draw_key is not None, required=True,
                            metadata={"description": "drawn at random (else asked by an officer)"})


class SignalListArgsSchema(PageArgsSchema):
    subject_id = record_id(strict=False, load_default=None)
    kind = fields.Enum(SignalKind, load_default=None)


class SignalSchema(Schema):
    id = fields.Integer(required=True)
    subject = fields.Nested(SubjectRefSchema, required=True)
    kind = fields.Enum(SignalKind, required=True)
    detected_at = fields.DateTime(required=True)
    checkin_id = fields.Integer(allow_none=True)
    spot_check_id = fields.Integer(allow_none=True)
    evidence = fields.Dict(required=True)
    consumed_at = fields.DateTime(allow_none=True, metadata={"description": "turned into an alert"})


CheckInPageSchema = page_schema(CheckInSchema, "CheckInPageSchema")
SignalPageSchema = page_schema(SignalSchema, "SignalPageSchema")
