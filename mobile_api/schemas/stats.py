"""Statistics for a period (统计): the population and its flows, leave, the fast track, alerts and reports."""

from marshmallow import Schema, fields

from mobile_api.schemas.base import StrictSchema


class PeriodSchema(StrictSchema):
    from_ = fields.Date(required=True, data_key="from", metadata={"description": "first day, inclusive"})
    to = fields.Date(required=True, metadata={"description": "last day, inclusive (at most 366 days)"})


def _counts(description: str) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                       metadata={"description": description})


class FlowsSchema(Schema):
    """active_at_end = active_at_start + received − released − terminated − transferred_out."""

    active_at_start = fields.Integer(required=True)
    received = fields.Integer(required=True)
    released = fields.Integer(required=True)
    terminated = fields.Integer(required=True)
    transferred_out = fields.Integer(required=True)
    active_at_end = fields.Integer(required=True)


class LevelFlowsSchema(FlowsSchema):
    """As FlowsSchema, plus level changes: … + level_changed_in − level_changed_out."""

    level_changed_in = fields.Integer(required=True)
    level_changed_out = fields.Integer(required=True)


class FastTrackSchema(Schema):
    requests = fields.Integer(required=True, metadata={"description": "fast-track trip requests submitted"})
    approved = fields.Integer(required=True)
    trips = fields.Integer(required=True, metadata={"description": "approved fast-track trips starting in the period"})
    decided = fields.Integer(required=True, metadata={"description": "requests submitted in the period and decided"})
    median_hours = fields.Float(allow_none=True)
    within_deadline_share = fields.Float(allow_none=True)


class OnTimeSchema(Schema):
    on_time = fields.Integer(required=True)
    late = fields.Integer(required=True)


class ReportCountsSchema(OnTimeSchema):
    by_kind = fields.Dict(keys=fields.String(), values=fields.Nested(OnTimeSchema), required=True)


class StatsSchema(FlowsSchema):
    """A subject is active from its receipt (接收) until it ends (解除, 终止, 迁出); a file counts in the scope
    where it is now; dates are Asia/Shanghai."""

    from_ = fields.Date(required=True, data_key="from", attribute="from")
    to = fields.Date(required=True)
    released_by_type = _counts("解除: expiry, pardon")
    terminated_by_type = _counts("终止: revocation, custody, death, other")
    by_category = fields.Dict(keys=fields.String(), values=fields.Nested(FlowsSchema), required=True)
    by_level = fields.Dict(keys=fields.String(), values=fields.Nested(LevelFlowsSchema), required=True)
    leave_approved = fields.Integer(required=True, metadata={"description": "trip requests approved in the period"})
    leave_approved_by_level = _counts("judicial_office, county_agency")
    extensions_approved = fields.Integer(required=True)
    permits_approved = fields.Integer(required=True, metadata={"description": "经常性跨市县 permits"})
    permit_trips = fields.Integer(required=True, metadata={"description": "trips notified under a permit"})
    fast_track_approved = fields.Integer(required=True)
    fast_track = fields.Nested(FastTrackSchema, required=True)
    alerts_opened = fields.Integer(required=True)
    alerts_by_type = _counts("alerts opened in the period, by type")
    alerts_resolved = fields.Integer(required=True)
    alerts_by_disposition = _counts("alerts resolved in the period: excused, admonition, warning, other")
    reports = fields.Nested(ReportCountsSchema, required=True, metadata={
        "description": "recurring reports received in the period, on time or late"})
