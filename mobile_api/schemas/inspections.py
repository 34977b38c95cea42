"""Joint inspections (联合巡检): the quarterly lists, their items with evidence, and the procuratorate's findings."""

from marshmallow import Schema, fields, validate

from correction import clock
from correction.models import FindingKind
from correction.rules.inspection import REASON_CODES
from correction.services.findings import is_overdue
from mobile_api.schemas.base import PageArgsSchema, StrictSchema, UnitRefSchema, page_schema, record_id, text
from mobile_api.schemas.reports import SubjectRefSchema

QUARTER = validate.Regexp(r"^[12][0-9]{3}Q[1-4]$", error="季度应写作“2026Q3”的形式。")


class InspectionSchema(Schema):
    id = fields.Integer(required=True)
    county = fields.Nested(UnitRefSchema, required=True)
    quarter = fields.String(required=True, metadata={"description": "e.g. 2026Q3"})
    final = fields.Boolean(required=True, metadata={
        "description": "true: the quarter has ended and the list is fixed; false: provisional, as of `as_of`"})
    generated_at = fields.DateTime(required=True)
    as_of = fields.DateTime(required=True, metadata={"description": "the instant the list describes"})
    item_count = fields.Integer(required=True)


class EvidenceSchema(Schema):
    type = fields.String(required=True, metadata={
        "description": "subject, subject_history, leave_request, alert, relocation_request, checkins"})
    id = fields.Integer(required=True)
    summary = fields.String(required=True)
    link = fields.String(required=True, metadata={"description": "API path that shows it"})


class ItemSchema(Schema):
    id = fields.Integer(required=True)
    position = fields.Integer(required=True, metadata={"description": "序号, from 1"})
    subject = fields.Nested(SubjectRefSchema, allow_none=True)
    reason_code = fields.String(required=True, metadata={"description": " | ".join(REASON_CODES)})
    reason = fields.String(required=True, metadata={"description": "问题说明 (Chinese)"})
    evidence = fields.List(fields.Nested(EvidenceSchema), required=True)
    sampled = fields.Boolean(required=True, metadata={"description": "drawn for a spot check, not an irregularity"})


class InspectionDetailSchema(Schema):
    """A list (`services.inspections.Listing`) with its items."""

    id = fields.Integer(required=True, attribute="inspection.id")
    county = fields.Nested(UnitRefSchema, required=True, attribute="inspection.county")
    quarter = fields.String(required=True, attribute="inspection.quarter")
    final = fields.Boolean(required=True, attribute="inspection.final")
    generated_at = fields.DateTime(required=True, attribute="inspection.generated_at")
    as_of = fields.DateTime(required=True, attribute="inspection.as_of")
    item_count = fields.Integer(required=True, attribute="inspection.item_count", metadata={
        "description": "all items of the list, whatever the filters"})
    items = fields.List(fields.Nested(ItemSchema), required=True, metadata={"description": "filtered, in order"})


class InspectionArgsSchema(PageArgsSchema):
    quarter = fields.String(load_default=None, validate=QUARTER)


class InspectionCreateSchema(StrictSchema):
    quarter = fields.String(required=True, validate=QUARTER)
    county_id = record_id(load_default=None, metadata={
        "description": "administrators name the county agency; a county officer's own county by default"})


class ItemArgsSchema(StrictSchema):
    reason_code = fields.String(load_default=None, validate=validate.OneOf(REASON_CODES,
                                                                           error="必须是以下之一：{choices}。"))
    sampled = fields.Boolean(load_default=None)


class ExportArgsSchema(StrictSchema):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(("xlsx", "csv"),
                                                                       error="格式应为 xlsx 或 csv。"))


class FindingCreateSchema(StrictSchema):
    item_id = record_id(load_default=None, metadata={"description": "required for a correction_notice"})
    kind = fields.Enum(FindingKind, required=True, metadata={
        "description": "correction_notice (纠正意见, on an item) | procuratorial_suggestion (检察建议, on the county)"})
    text = text(5000, required=True, validate_also=validate.Regexp(r"\S", error="不能为空白。"))


class FindingItemSchema(Schema):
    subject_id = fields.Integer(attribute="item_subject_id", allow_none=True)
    reason_code = fields.String(attribute="item_reason_code", allow_none=True)


class FindingSchema(Schema):
    id = fields.Integer(required=True)
    inspection_id = fields.Integer(required=True)
    county_id = fields.Integer(required=True)
    kind = fields.Enum(FindingKind, required=True)
    item = fields.Method("dump_item", allow_none=True, metadata={
        "description": "the item a correction_notice is about: {subject_id, reason_code} (items are regenerated)"})
    text = fields.String(required=True)
    issued_by = fields.Method("dump_issuer", required=True)
    issued_at = fields.DateTime(required=True)
    rectify_by = fields.Date(required=True, metadata={"description": "the agency answers by this day"})
    overdue = fields.Method("dump_overdue", required=True, metadata={
        "description": "not rectified and past rectify_by (today, Asia/Shanghai)"})
    rectified_on = fields.Date(allow_none=True)
    rectification = fields.String(allow_none=True)
    rectified_by_id = fields.Integer(allow_none=True)
    rectified_at = fields.DateTime(allow_none=True)

    def dump_item(self, finding):
        return FindingItemSchema().dump(finding) if finding.item_subject_id is not None else None

    def dump_issuer(self, finding):
        return {"id": finding.issued_by.id, "name": finding.issued_by.name}

    def dump_overdue(self, finding):
        return is_overdue(finding, clock.today())


class FindingArgsSchema(PageArgsSchema):
    overdue = fields.Boolean(load_default=None, metadata={
        "description": "true: not rectified past their deadline; false: the others"})


class RectifySchema(StrictSchema):
    rectified_on = fields.Date(required=True)
    rectification = text(5000, required=True, validate_also=validate.Regexp(r"\S", error="不能为空白。"))


InspectionPageSchema = page_schema(InspectionSchema, "InspectionPageSchema")
FindingPageSchema = page_schema(FindingSchema, "FindingPageSchema")
