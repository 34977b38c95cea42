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


class InvestigationFiguresSchema(Schema):
    """调查评估: commissions received, opinions sent (on time), outcomes (adopted) in the period."""

    received = fields.Integer(required=True)
    received_by_commissioner = _counts("court, procuratorate, police, prison")
    fast_track = fields.Integer(required=True, metadata={"description": "速裁 commissions received"})
    sent = fields.Integer(required=True, metadata={"description": "opinions sent in the period"})
    sent_on_time = fields.Integer(required=True)
    on_time_share = fields.Float(allow_none=True, metadata={"description": "sent_on_time / sent"})
    suitable = fields.Integer(required=True)
    unsuitable = fields.Integer(required=True)
    outcomes = fields.Integer(required=True, metadata={"description": "outcomes recorded in the period"})
    adopted = fields.Integer(required=True)
    adoption_rate = fields.Float(allow_none=True, metadata={"description": "adopted / outcomes"})
    overdue_at_end = fields.Integer(required=True, metadata={"description": "received, not sent, past the deadline"})


class ResettlementFiguresSchema(Schema):
    """安置帮教: releases from prison and their handovers, moves from correction, the register at the period's end."""

    notices = fields.Integer(required=True, metadata={"description": "prisons' advance notices received"})
    releases = fields.Integer(required=True, metadata={"description": "releases from prison in the period"})
    handovers = fields.Integer(required=True, metadata={"description": "of those, handed over (必接必送)"})
    handovers_on_time = fields.Integer(required=True)
    handovers_late = fields.Integer(required=True)
    handovers_out_of_province = fields.Integer(required=True)
    not_handed_over = fields.Integer(required=True)
    handover_rate = fields.Float(allow_none=True, metadata={"description": "handovers_on_time / releases"})
    handovers_recorded = fields.Integer(required=True, metadata={"description": "handovers received in the period"})
    moved_from_correction = fields.Integer(required=True, metadata={"description": "解除矫正 into the register"})
    in_period_at_end = fields.Integer(required=True)
    in_period_by_category = _counts("key (重点), general (一般)")
    risk_notes_opened = fields.Integer(required=True)
    joint_action_at_end = fields.Integer(required=True, metadata={"description": "with an open risk note"})
    records_by_kind = _counts("assistance records in the period by kind")


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
    investigations = fields.Nested(InvestigationFiguresSchema, required=True)
    resettlement = fields.Nested(ResettlementFiguresSchema, required=True)
