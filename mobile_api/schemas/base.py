"""Shared schema parts: Chinese validation messages, strict base schema, paging, bounded ids."""

from marshmallow import Schema, fields, validate

# Localise marshmallow's default messages once for the whole API (people read Chinese; codes stay English).
_FIELD_MESSAGES = {
    fields.Field: {"required": "此字段为必填项。", "null": "此字段不能为空。", "validator_failed": "取值无效。"},
    fields.String: {"invalid": "应为字符串。", "invalid_utf8": "不是有效的 UTF-8 字符串。"},
    fields.Number: {"invalid": "应为数字。", "too_large": "数值过大。"},
    fields.Integer: {"invalid": "应为整数。"},
    fields.Float: {"special": "不允许 NaN 或无穷大。"},
    fields.Boolean: {"invalid": "应为布尔值。"},
    fields.Date: {"invalid": "应为日期（YYYY-MM-DD）。", "format": "无法格式化为日期。"},
    fields.DateTime: {"invalid": "应为带时区的时间（ISO 8601）。", "invalid_awareness": "时间必须带时区偏移。",
                      "format": "无法格式化为时间。"},
    fields.List: {"invalid": "应为数组。"},
    fields.Nested: {"type": "应为对象。"},
    fields.Mapping: {"invalid": "应为对象。"},
    fields.Enum: {"unknown": "必须是以下之一：{choices}。"},
}
for _cls, _messages in _FIELD_MESSAGES.items():
    _cls.default_error_messages = {**_cls.default_error_messages, **_messages}

MAX_ID = 2**31 - 1
COORD_TYPE = validate.OneOf(("wgs84", "gcj02"), error="坐标系必须是 wgs84 或 gcj02。")


class StrictSchema(Schema):
    """Unknown fields are rejected (marshmallow's RAISE), with Chinese schema-level messages."""

    error_messages = {"unknown": "未知字段。", "type": "应为 JSON 对象。"}


def text(max_length: int, min_length: int = 1, validate_also=None, **kwargs) -> fields.String:
    """A string field with a Chinese length message, plus any further validator."""
    length = validate.Length(min=min_length, max=max_length, error=f"长度应在{min_length}到{max_length}个字符之间。")
    return fields.String(validate=[length, validate_also] if validate_also else length, **kwargs)


def in_range(minimum=None, maximum=None) -> validate.Range:
    if minimum is not None and maximum is not None:
        message = f"取值应在{minimum}到{maximum}之间。"
    elif minimum is not None:
        message = f"取值不能小于{minimum}。"
    else:
        message = f"取值不能大于{maximum}。"
    return validate.Range(min=minimum, max=maximum, error=message)


def record_id(strict: bool = True, **kwargs) -> fields.Integer:
    """A database id: a positive 32-bit integer (JSON bodies strict; query strings arrive as text)."""
    return fields.Integer(strict=strict, validate=in_range(1, MAX_ID), **kwargs)


class PageArgsSchema(StrictSchema):
    page = fields.Integer(load_default=1, validate=in_range(1, 100000))
    per_page = fields.Integer(load_default=20, validate=in_range(1, 100))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """The list envelope `{items, page, per_page, total}` around one item schema."""
    return type(name, (Schema,), {
        "items": fields.List(fields.Nested(item_schema), required=True),
        "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True),
        "total": fields.Integer(required=True),
    })


class UnitRefSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"description": "stable snake_case code"})
    message = fields.String(required=True, metadata={"description": "message for people, in Chinese"})
    fields_ = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), data_key="fields",
                          metadata={"description": "validation messages per field (422 only)"})


class ErrorEnvelopeSchema(Schema):
    """Every response with status ≥ 400."""

    error = fields.Nested(ErrorBodySchema, required=True)
