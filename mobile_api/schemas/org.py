"""Units and staff users (administration)."""

from marshmallow import fields, validate

from correction.models import Role, UnitKind
from mobile_api.schemas.base import COORD_TYPE, PageArgsSchema, StrictSchema, page_schema, record_id, text

class UnitCreateSchema(StrictSchema):
    kind = fields.Enum(UnitKind, required=True)
    code = text(32, required=True,
                validate_also=validate.Regexp(r"^[0-9A-Za-z-]+$", error="代码只能包含字母、数字和连字符。"))
    name = text(100, required=True)
    parent_id = record_id(load_default=None, allow_none=True)
    supervises_id = record_id(load_default=None, allow_none=True)
    fence = fields.Dict(load_default=None, allow_none=True,
                        metadata={"description": "GeoJSON Polygon or MultiPolygon, [lng, lat] order"})
    fence_coord_type = fields.String(load_default=None, allow_none=True, validate=COORD_TYPE)


class UnitSchema(StrictSchema):
    id = fields.Integer(required=True)
    kind = fields.Enum(UnitKind, required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    parent_id = fields.Integer(allow_none=True)
    supervises_id = fields.Integer(allow_none=True)
    county_id = fields.Integer(allow_none=True,
                               metadata={"description": "the county agency it belongs to or supervises"})
    fence = fields.Dict(allow_none=True)
    fence_coord_type = fields.String(allow_none=True)


class UnitListArgsSchema(PageArgsSchema):
    kind = fields.Enum(UnitKind, load_default=None)


class UserCreateSchema(StrictSchema):
    username = text(64, min_length=3, required=True, validate_also=validate.Regexp(
        r"^[A-Za-z0-9_.-]+$", error="用户名只能包含字母、数字、下划线、点和连字符。"))
    password = text(200, required=True, load_only=True)
    role = fields.Enum(Role, required=True)
    unit_id = record_id(load_default=None, allow_none=True)
    name = text(50, required=True)
    phone = text(20, load_default=None, allow_none=True)
    resettlement_officer = fields.Boolean(load_default=False, metadata={
        "description": "officers only: also works the resettlement register (安置帮教), which no one else reads"})


class UserSchema(StrictSchema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    role = fields.Enum(Role, required=True)
    unit_id = fields.Integer(allow_none=True)
    name = fields.String(required=True)
    phone = fields.String(allow_none=True)
    resettlement_officer = fields.Boolean(required=True)
    is_active = fields.Boolean(required=True)


class UserListArgsSchema(PageArgsSchema):
    role = fields.Enum(Role, load_default=None)
    unit_id = record_id(strict=False, load_default=None)


UnitPageSchema = page_schema(UnitSchema, "UnitPageSchema")
UserPageSchema = page_schema(UserSchema, "UserPageSchema")
