"""The audit trail of a subject's file (审计日志) and the export of everything held about a subject."""

from marshmallow import Schema, fields, validate

from mobile_api.schemas.base import StrictSchema, page_schema, text


class AuditActorSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)


class AuditEntrySchema(Schema):
    seq = fields.Integer(required=True, metadata={"description": "position in the chain: 1, 2, 3 … without gaps"})
    at = fields.DateTime(required=True)
    actor = fields.Nested(AuditActorSchema, allow_none=True, metadata={"description": "null: the system"})
    action = fields.String(required=True, metadata={
        "description": "read, or the API operation (e.g. approve_leave) or scheduler job that made the change"})
    record_type = fields.String(required=True, metadata={"description": "the table, e.g. leave_requests"})
    record_id = fields.Integer(allow_none=True)
    detail = fields.Dict(required=True, metadata={
        "description": "op (read, create, update, delete), what was read or the changed columns with safe values; "
                       "ID numbers, names, phones, addresses and coordinates are \"[redacted]\""})
    hash = fields.String(required=True, metadata={"description": "SHA-256 chaining this entry to the one before"})


AuditPageSchema = page_schema(AuditEntrySchema, "AuditPageSchema")


class SubjectExportRequestSchema(StrictSchema):
    reason = text(500, required=True, validate_also=validate.Regexp(r"\S", error="不能为空白。"), metadata={
        "description": "the lawful request answered (e.g. 某法院调取函 (2026)辽0213刑更1号); kept in the audit trail"})


class SubjectExportSchema(Schema):
    subject_id = fields.Integer(required=True)
    exported_at = fields.DateTime(required=True)
    exported_by = fields.Integer(required=True, metadata={"description": "the user who exported"})
    reason = fields.String(required=True)
    tables = fields.Dict(keys=fields.String(), values=fields.List(fields.Dict()), required=True, metadata={
        "description": "every row held about the subject by table (subjects, subject_levels, reports, uploads, "
                       "activities, leave_requests, checkins, alerts, sanctions, notifications, audit_entries …); "
                       "ID numbers masked, ciphertexts, digests and storage paths left out"})
