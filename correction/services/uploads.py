"""Photos for reports (报告照片): checked by content, re-encoded without metadata, kept behind the FileStore."""

import hashlib
import io
import secrets
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from PIL import Image, ImageOps

from correction.components import components
from correction.db import db, transaction
from correction.errors import InvalidTransition, NotFound, RuleViolation
from correction.models import ACTIVE_STATUSES, Report, Subject, Upload, User
from correction.services.accounts import supervisee_subject
from correction.services.audit import record_read
from correction.services.scope import subject_filter

MAX_PIXELS = 40_000_000  # far above any phone photo, far below what would exhaust a worker's memory
MAX_PHOTOS_PER_REPORT = 9  # as many as the mini-program's image picker offers
_MAX_ID = 2**31 - 1
# An upload serves one owner: a report, a trip request or the contest of an alert.
UNATTACHED = (Upload.report_id.is_(None), Upload.leave_id.is_(None), Upload.alert_id.is_(None))


@dataclass(frozen=True)
class _Target:
    format: str
    content_type: str
    extension: str
    options: dict = field(default_factory=dict)


_JPEG = _Target("JPEG", "image/jpeg", "jpg", {"quality": 90})
# Pillow's name of the decoded format -> how the clean copy is stored. MPO (the multi-picture JPEG of some phone
# cameras) is opened by the JPEG decoder and stored as a plain JPEG of its first picture.
_TARGETS = {
    "JPEG": _JPEG,
    "MPO": _JPEG,
    "PNG": _Target("PNG", "image/png", "png"),
    "WEBP": _Target("WEBP", "image/webp", "webp", {"quality": 90}),
}
_DECODERS = ("JPEG", "PNG", "WEBP")  # no other Pillow decoder ever sees an upload


def _refuse_bombs(image: Image.Image) -> None:
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise Image.DecompressionBombError(f"{width}x{height} is over {MAX_PIXELS} pixels")


def _clean_copy(data: bytes) -> tuple[bytes, _Target]:
    """The photo re-encoded in its own format from its pixels alone, upright as its EXIF orientation says.

    :raises RuleViolation: not a whole JPEG, PNG or WebP image (whatever the declared type), or over MAX_PIXELS.
    """
    try:
        with Image.open(io.BytesIO(data), formats=_DECODERS) as probe:  # reads the header only
            _refuse_bombs(probe)
            probe.verify()  # checksums and structure; a verified image cannot be loaded, hence the reopen
        with Image.open(io.BytesIO(data), formats=_DECODERS) as original:
            _refuse_bombs(original)
            target = _TARGETS[original.format]
            ImageOps.exif_transpose(original, in_place=True)  # decodes every pixel: truncated data fails here
            # Palette or colour-key transparency lives in `info`, which is dropped below: keep it as alpha.
            clean = original.convert("RGBA") if "transparency" in original.info else original
            if target.format == "JPEG" and clean.mode not in ("L", "RGB"):
                clean = clean.convert("RGB")  # CMYK and YCCK JPEGs
            # Pillow writes some of `info` back when saving (JPEG comments, PNG ICC profiles): keep none of it, so
            # EXIF (GPS position, camera, time), XMP, comments and text chunks cannot survive.
            clean.info = {}
            out = io.BytesIO()
            clean.save(out, target.format, **target.options)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow raises the error above twice its own limit and warns above it (an error in the test suite);
        # our lower limit catches the rest.
        message = f"照片像素过多，最多{MAX_PIXELS // 10_000}万像素。"
        raise RuleViolation.on("file", message, "photo_too_many_pixels") from exc
    except Exception as exc:  # malformed input makes Pillow raise many types (its own fuzzer catches Exception)
        raise RuleViolation.on("file", "只能上传完整的 JPEG、PNG 或 WebP 格式照片。", "unsupported_photo") from exc
    return out.getvalue(), target


def _size_text(size: int) -> str:
    return f"{size / (1024 * 1024):g}MB"


def store_photo(user: User, data: bytes, *, as_of: datetime) -> Upload:
    """Keep a photo the supervisee uploaded for a later report: checked by its content, re-encoded without EXIF
    (location, device, time) and stored under a random key. The row and the file exist together or not at all.

    :raises Unauthorized: the user is not a bound supervisee.
    :raises InvalidTransition: the file is closed.
    :raises RuleViolation: empty, over UPLOAD_MAX_BYTES, not a JPEG, PNG or WebP image, or too many pixels.
    """
    parts = components()
    if not data:
        raise RuleViolation.on("file", "照片文件为空。", "photo_empty")
    if len(data) > parts.upload_max_bytes:
        raise RuleViolation.on("file", f"照片不能超过{_size_text(parts.upload_max_bytes)}。", "photo_too_large")
    stored, target = _clean_copy(data)  # before the transaction: decoding takes a while and needs no database
    key, written = None, False
    try:
        with transaction():
            subject = supervisee_subject(user)
            if subject.status not in ACTIVE_STATUSES:
                raise InvalidTransition("subject_closed", "矫正已解除或终止，不能再上传照片。")
            key = f"photos/{as_of:%Y/%m}/{secrets.token_hex(16)}.{target.extension}"
            upload = Upload(subject_id=subject.id, storage_key=key, content_type=target.content_type,
                            size_bytes=len(stored), sha256=hashlib.sha256(stored).hexdigest(), created_at=as_of)
            db.session.add(upload)
            db.session.flush()
            parts.files.put(key, stored)  # last, so a failed insert leaves no file behind
            written = True
    except BaseException:
        if written:  # the commit failed after the file was written
            parts.files.delete(key)
        raise
    return upload


def photo_for_officer(actor: User, upload_id: int) -> tuple[bytes, str]:
    """The stored photo and its content type, for an officer or inspector whose scope holds its subject.

    :raises Forbidden: the role reads no subject files.
    :raises NotFound: missing or outside the actor's scope (indistinguishable on purpose).
    """
    upload = db.session.scalar(sa.select(Upload).join(Subject, Upload.subject_id == Subject.id)
                               .where(Upload.id == upload_id, subject_filter(actor)))
    if upload is None:
        raise NotFound("photo_not_found", "照片不存在。")
    found = components().files.get(upload.storage_key), upload.content_type
    record_read(actor, upload.subject_id, "photo", Upload.__tablename__, upload.id)
    return found


def attach_to_leave(subject: Subject, leave_id: int, upload_ids) -> None:
    """Attach the subject's unattached uploads to a trip request as its proof (诊断证明、单位证明…).

    :raises RuleViolation: more than MAX_PHOTOS_PER_REPORT files, or an id that is not an unattached upload.
    """
    _attach_proof(subject, upload_ids, leave_id=leave_id)


def attach_to_alert(subject: Subject, alert_id: int, upload_ids) -> None:
    """Attach the subject's unattached uploads to their contest of an alert (申辩材料: 诊断证明、手机维修单…).

    :raises RuleViolation: more than MAX_PHOTOS_PER_REPORT files, or an id that is not an unattached upload.
    """
    _attach_proof(subject, upload_ids, alert_id=alert_id)


def _attach_proof(subject: Subject, upload_ids, **owner: int) -> None:
    ids = list(dict.fromkeys(upload_ids))
    if len(ids) > MAX_PHOTOS_PER_REPORT:
        raise RuleViolation.on("attachments", f"最多{MAX_PHOTOS_PER_REPORT}个附件。", "too_many_photos")
    if ids and db.session.execute(
            sa.update(Upload).where(Upload.id.in_(ids), Upload.subject_id == subject.id, *UNATTACHED)
            .values(**owner)).rowcount != len(ids):
        raise RuleViolation.on("attachments", "附件不存在、不是本人上传或已被使用。", "invalid_photo")


def attach_photos(subject: Subject, report: Report, upload_ids) -> None:
    """Attach the subject's unattached uploads to its report, inside the caller's transaction (which commits).

    Duplicate ids count once. The conditional UPDATE is the claim: of two reports racing for one photo, exactly
    one gets it.

    :raises RuleViolation: more than MAX_PHOTOS_PER_REPORT photos, or an id that is not an unattached upload of
        this subject.
    """
    ids = list(dict.fromkeys(upload_ids))
    if not ids:
        return
    if len(ids) + len(report.photos) > MAX_PHOTOS_PER_REPORT:
        raise RuleViolation.on("photo_ids", f"每份报告最多{MAX_PHOTOS_PER_REPORT}张照片。", "too_many_photos")
    invalid = RuleViolation.on("photo_ids", "照片不存在、不是本人上传或已用于其他报告。", "invalid_photo")
    if not all(isinstance(i, int) and not isinstance(i, bool) and 1 <= i <= _MAX_ID for i in ids):
        raise invalid
    with transaction():
        if report.id is None:
            db.session.add(report)
            db.session.flush()
        if report.subject_id != subject.id:
            raise ValueError(f"report {report.id} is not subject {subject.id}'s")
        claimed = db.session.execute(
            sa.update(Upload)
            .where(Upload.id.in_(ids), Upload.subject_id == subject.id, *UNATTACHED)
            .values(report_id=report.id)).rowcount
        if claimed != len(ids):
            raise invalid
        db.session.expire(report, ["photos"])
