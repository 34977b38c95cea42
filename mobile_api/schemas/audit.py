"""The audit trail of a subject's file (审计日志)."""

from marshmallow import Schema, fields

from mobile_api.schemas.base import page_schema


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
