"""Photo uploads: the multipart body and the stored upload."""

from flask_smorest.fields import Upload as FileField
from marshmallow import Schema, fields

from mobile_api.schemas.base import StrictSchema


class PhotoUploadSchema(StrictSchema):
    file = FileField(required=True, metadata={
        "description": "JPEG、PNG 或 WebP 照片（按内容判断，不看声明的类型），最大 5 MB、4000 万像素；"
                       "保存前重新编码，EXIF（含位置）等元数据被去除"})


class UploadSchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "for `photo_ids` of POST /me/reports"})
    content_type = fields.String(required=True, metadata={"description": "of the stored, re-encoded photo"})
    size_bytes = fields.Integer(required=True, metadata={"description": "of the stored, re-encoded photo"})
