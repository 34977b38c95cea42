"""Photo uploads for reports: the supervisee uploads (/me/uploads), officers and inspectors in scope view them."""

from flask import Response

from correction import clock
from correction.components import components
from correction.models import Role
from correction.services import uploads
from mobile_api.auth import BEARER, actor, roles
from mobile_api.routes import ID, Blueprint, body_limit
from mobile_api.schemas.base import ErrorEnvelopeSchema
from mobile_api.schemas.uploads import PhotoUploadSchema, UploadSchema

blp = Blueprint("uploads", __name__, url_prefix="/api/v1", description="报告照片上传")

MULTIPART_OVERHEAD = 64 * 1024  # boundary lines and part headers around the photo
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
PHOTO_RESPONSE = {"200": {
    "description": "the photo as stored (re-encoded, without metadata)",
    "content": {content_type: {"schema": {"type": "string", "format": "binary"}} for content_type in PHOTO_TYPES},
}}


@blp.post("/me/uploads")
@body_limit(lambda: components().upload_max_bytes + MULTIPART_OVERHEAD)  # one photo plus multipart overhead
@blp.doc(security=BEARER)
@roles(Role.supervisee)
@blp.arguments(PhotoUploadSchema, location="files")
@blp.response(201, UploadSchema)
@blp.alt_response(413, schema=ErrorEnvelopeSchema, description="body over the photo limit plus 64 KiB")
def upload_photo(files):
    """Upload one photo for a later report (multipart/form-data, field `file`).

    Its id goes in `photo_ids` of a report. The photo is judged by its content, not its declared type, and stored
    re-encoded without EXIF (location, device, time). An empty file, a photo over UPLOAD_MAX_BYTES (5 MB) or 40
    megapixels, or anything but a JPEG, PNG or WebP image is a 422 naming `file`."""
    return uploads.store_photo(actor(), files["file"].read(), as_of=clock.now())


@blp.get(f"/uploads/<{ID}:upload_id>")
@blp.doc(security=BEARER, responses=PHOTO_RESPONSE)
@roles(Role.officer, Role.inspector)
def get_photo(upload_id):
    """A report photo of a subject in the caller's scope; never cached by browsers or proxies."""
    data, content_type = uploads.photo_for_officer(actor(), upload_id)
    return Response(data, mimetype=content_type,
                    headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})
