"""Report photos: POST /me/uploads checks and cleans, GET /uploads/{id} serves in scope; attach_photos for reports."""

import hashlib
import io
import random
import struct
import zlib
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from PIL import ExifTags, Image, PngImagePlugin
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from correction import clock
from correction.components import components
from correction.db import db, transaction
from correction.errors import RuleViolation
from correction.models import Report, ReportKind, Subject, SuperviseeAccount, Upload, User
from correction.services import uploads
from tests.apps import isolated_app
from tests.factories import build_world, supervisee_headers

UPLOADS = "/api/v1/me/uploads"
MIB = 1024 * 1024
GPS = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (39.0, 3.0, 0.0),
       ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (121.0, 43.0, 12.0)}


# --- the app, with photos in a temporary folder -------------------------------------------------------------

@pytest.fixture
def upload_dir(tmp_path):
    return tmp_path / "uploads"


@pytest.fixture
def app(database_url, upload_dir):
    """conftest's app, with UPLOAD_DIR in the test's temporary folder (`client` and `world` use this one)."""
    with isolated_app(database_url, UPLOAD_DIR=str(upload_dir)) as app:
        yield app


@pytest.fixture
def a1(client, world) -> dict:
    return supervisee_headers(client, world, "a1")


# --- images made with Pillow --------------------------------------------------------------------------------

def exif_with_gps(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    exif[ExifTags.Base.DateTime] = "2026:11:26 12:00:00"
    exif[ExifTags.IFD.GPSInfo] = GPS
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    return exif


def picture(mode: str = "RGB", size: tuple[int, int] = (64, 48)) -> Image.Image:
    """A small image with a left-to-right gradient, so an orientation change shows in the pixels."""
    image = Image.linear_gradient("L").rotate(90).resize(size)
    return image.convert(mode)


def jpeg(orientation: int | None = None, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    picture(size=size).save(out, "JPEG", exif=exif_with_gps(orientation), comment=b"shot at home")
    return out.getvalue()


def png(mode: str = "RGBA") -> bytes:
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "shot at home")
    out = io.BytesIO()
    picture(mode).save(out, "PNG", exif=exif_with_gps(), pnginfo=text)
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    picture().save(out, "WEBP", exif=exif_with_gps())
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    picture("P").save(out, "GIF")
    return out.getvalue()


def noise_png(width: int, height: int) -> bytes:
    """Random pixels do not compress: a valid PNG of about 3 bytes per pixel."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), random.Random(7).randbytes(width * height * 3)).save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def solid_png(width: int, height: int) -> bytes:
    """A valid one-colour 1-bit PNG written row by row: tiny on disk, `width x height` pixels when decoded."""
    row, squeeze = bytes(1 + (width + 7) // 8), zlib.compressobj(9)
    idat = b"".join(squeeze.compress(row * 1000) for _ in range(height // 1000))
    idat += squeeze.compress(row * (height % 1000)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def exif_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif())


# --- helpers ------------------------------------------------------------------------------------------------

def post_photo(client, headers, data: bytes, filename: str = "photo.jpg", content_type: str = "image/jpeg"):
    # Encoded here, in memory: the test client spools a large multipart body to a temporary file it never closes.
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(data), filename=filename, content_type=content_type)})
    return client.post(UPLOADS, headers=headers, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def uploaded(response) -> dict:
    body = response.get_json()
    assert response.status_code == 201, body
    assert set(body) == {"id", "content_type", "size_bytes"}, body
    return body


def error_code(response, status: int) -> str:
    body = response.get_json()
    assert response.status_code == status, body
    assert set(body) == {"error"} and body["error"]["message"], body
    return body["error"]["code"]


def refused(response, code: str) -> None:
    """422 on the `file` field."""
    assert error_code(response, 422) == code
    assert set(response.get_json()["error"]["fields"]) == {"file"}


def stored_files(upload_dir) -> list:
    return [path for path in upload_dir.rglob("*") if path.is_file()] if upload_dir.exists() else []


def upload_rows(app) -> list[Upload]:
    with app.app_context():
        return db.session.scalars(sa.select(Upload).order_by(Upload.id)).all()


def assert_nothing_stored(app, upload_dir) -> None:
    assert upload_rows(app) == []
    assert stored_files(upload_dir) == []


# --- accepted photos ----------------------------------------------------------------------------------------

def test_a_jpeg_with_gps_is_stored_without_any_metadata(app, client, world, a1, upload_dir):
    original = jpeg()
    assert exif_of(original)[ExifTags.Base.Make] == "TestPhone"
    with Image.open(io.BytesIO(original)) as image:  # the test photo really carries a position
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"

    t0 = datetime(2026, 11, 26, 4, 0, tzinfo=UTC)
    with clock.frozen(t0):
        body = uploaded(post_photo(client, a1, original))
    assert body["content_type"] == "image/jpeg"

    [row] = upload_rows(app)
    assert row.id == body["id"] and row.subject_id == world.subjects["a1"] and row.report_id is None
    assert row.created_at == t0 and row.storage_key.startswith("photos/2026/11/")
    [path] = stored_files(upload_dir)
    stored = path.read_bytes()
    assert path == upload_dir / row.storage_key
    assert row.size_bytes == body["size_bytes"] == len(stored)
    assert row.sha256 == hashlib.sha256(stored).hexdigest()

    assert exif_of(stored) == {}
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
        assert not {"exif", "comment", "xmp", "icc_profile"} & set(image.info), image.info
    assert b"Exif" not in stored and b"TestPhone" not in stored and b"shot at home" not in stored


@pytest.mark.parametrize("make, content_type", [(png, "image/png"), (webp, "image/webp")])
def test_png_and_webp_are_stored_in_their_own_format_without_metadata(app, client, a1, upload_dir, make,
                                                                      content_type):
    original = make()
    assert exif_of(original)[ExifTags.Base.Make] == "TestPhone"
    body = uploaded(post_photo(client, a1, original, "photo.jpg", "image/jpeg"))  # the declared type is ignored
    assert body["content_type"] == content_type
    [path] = stored_files(upload_dir)
    stored = path.read_bytes()
    assert exif_of(stored) == {}
    assert b"TestPhone" not in stored and b"shot at home" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.get_format_mimetype() == content_type and image.size == (64, 48)
        assert not {"exif", "Comment", "xmp"} & set(image.info), image.info


def test_orientation_is_applied_to_the_pixels(app, client, a1, upload_dir):
    body = uploaded(post_photo(client, a1, jpeg(orientation=6)))  # 6: the camera was held upright
    [path] = stored_files(upload_dir)
    upright = picture().transpose(Image.Transpose.ROTATE_270).convert("L")
    with Image.open(path) as image:
        assert image.size == (48, 64)  # turned upright, and no orientation tag left to turn it again
        assert ExifTags.Base.Orientation not in image.getexif()
        gray = image.convert("L")
        for point in ((24, 2), (24, 61), (2, 32), (45, 32)):
            assert abs(gray.getpixel(point) - upright.getpixel(point)) < 12, point
        assert abs(gray.getpixel((24, 2)) - gray.getpixel((24, 61))) > 150  # the gradient turned with it
    assert body["size_bytes"] == path.stat().st_size


def test_palette_transparency_survives_as_alpha(app, client, a1, upload_dir):
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    out = io.BytesIO()
    image.save(out, "PNG", transparency=1)
    uploaded(post_photo(client, a1, out.getvalue(), "dot.png", "image/png"))
    [path] = stored_files(upload_dir)
    with Image.open(path) as stored:
        assert stored.convert("RGBA").getpixel((3, 3)) == (255, 0, 0, 0)


def test_a_multi_picture_jpeg_is_stored_as_a_plain_jpeg(app, client, a1, upload_dir):
    out = io.BytesIO()
    picture().save(out, "MPO", save_all=True, append_images=[picture()], exif=exif_with_gps())
    with Image.open(io.BytesIO(out.getvalue())) as original:
        assert original.format == "MPO"
    assert uploaded(post_photo(client, a1, out.getvalue()))["content_type"] == "image/jpeg"
    [path] = stored_files(upload_dir)
    with Image.open(path) as stored:
        assert stored.format == "JPEG" and dict(stored.getexif()) == {}


def test_a_photo_over_the_app_wide_body_limit_is_accepted(app, client, a1, upload_dir):
    data = noise_png(700, 600)
    assert MIB < len(data) < app.config["UPLOAD_MAX_BYTES"]
    assert app.config["MAX_CONTENT_LENGTH"] == MIB  # JSON bodies keep their limit
    uploaded(post_photo(client, a1, data, "noise.png", "image/png"))
    assert len(stored_files(upload_dir)) == 1


def test_each_upload_gets_its_own_random_key(app, client, a1, upload_dir):
    first, second = (uploaded(post_photo(client, a1, jpeg())) for _ in range(2))
    assert first["id"] != second["id"]
    keys = [row.storage_key for row in upload_rows(app)]
    assert len(set(keys)) == 2 and len(stored_files(upload_dir)) == 2
    assert all(len(key.rsplit("/", 1)[1].split(".")[0]) == 32 for key in keys)


# --- refused uploads: the envelope, and nothing stored ------------------------------------------------------

@pytest.mark.parametrize("data, filename, content_type", [
    (b"just some text, honestly a photo\n", "photo.jpg", "image/jpeg"),
    (gif(), "photo.gif", "image/gif"),
    (gif(), "photo.jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "photo.png", "image/png"),
    (jpeg()[:400], "cut.jpg", "image/jpeg"),
    (png()[:-30], "cut.png", "image/png"),
], ids=["text-as-jpg", "gif", "gif-as-jpg", "png-signature-only", "truncated-jpeg", "truncated-png"])
def test_anything_but_a_whole_jpeg_png_or_webp_is_refused(app, client, a1, upload_dir, data, filename,
                                                          content_type):
    refused(post_photo(client, a1, data, filename, content_type), "unsupported_photo")
    assert_nothing_stored(app, upload_dir)


def test_an_empty_file_is_refused(app, client, a1, upload_dir):
    refused(post_photo(client, a1, b""), "photo_empty")
    assert_nothing_stored(app, upload_dir)


def test_a_body_over_the_limit_is_413(app, client, a1, upload_dir):
    data = b"\xff" * (app.config["UPLOAD_MAX_BYTES"] + 128 * 1024)
    response = post_photo(client, a1, data)
    assert error_code(response, 413) == "payload_too_large"
    assert set(response.get_json()["error"]) == {"code", "message"}
    assert_nothing_stored(app, upload_dir)


def test_a_photo_over_the_limit_inside_the_multipart_allowance_is_422(app, client, a1, upload_dir):
    data = jpeg() + b"\x00" * (app.config["UPLOAD_MAX_BYTES"] + 1 - len(jpeg()))
    assert len(data) == 5 * MIB + 1
    refused(post_photo(client, a1, data), "photo_too_large")
    assert_nothing_stored(app, upload_dir)


def test_the_limit_comes_from_the_settings(database_url, tmp_path):
    with isolated_app(database_url, UPLOAD_DIR=str(tmp_path), UPLOAD_MAX_BYTES=1000) as small:
        client = small.test_client()
        with small.app_context():
            world = build_world(client)
        headers = supervisee_headers(client, world, "a1")
        refused(post_photo(client, headers, noise_png(20, 20)), "photo_too_large")
        assert error_code(post_photo(client, headers, b"\xff" * (1000 + 65 * 1024)), 413) == "payload_too_large"
        out = io.BytesIO()
        Image.new("RGB", (8, 8)).save(out, "PNG")
        assert uploaded(post_photo(client, headers, out.getvalue(), "small.png", "image/png"))["size_bytes"] < 1000


@pytest.mark.parametrize("width, height", [(20000, 20000), (10000, 10000), (8000, 5001)],
                         ids=["past-pillow-error", "past-pillow-warning", "past-our-limit"])
def test_pixel_bombs_are_refused(app, client, a1, upload_dir, width, height):
    data = solid_png(width, height)
    assert len(data) < 100_000  # small on disk, huge in memory
    refused(post_photo(client, a1, data, "bomb.png", "image/png"), "photo_too_many_pixels")
    assert_nothing_stored(app, upload_dir)


def test_a_pixel_bomb_is_refused_where_pillow_only_warns(app, client, a1, upload_dir):
    """Outside the test suite Pillow's DecompressionBombWarning is only a warning: our own limit still holds."""
    with pytest.warns(Image.DecompressionBombWarning):
        response = post_photo(client, a1, solid_png(10000, 10000), "bomb.png", "image/png")
    refused(response, "photo_too_many_pixels")
    assert_nothing_stored(app, upload_dir)


def test_the_solid_png_helper_makes_valid_images():
    with Image.open(io.BytesIO(solid_png(30, 2021))) as image:
        image.load()
        assert image.size == (30, 2021) and image.getextrema() == (0, 0)
    assert 8000 * 5000 == uploads.MAX_PIXELS  # one row under the bomb above


def test_the_file_field_is_required(client, a1):
    response = client.post(UPLOADS, headers=a1, content_type="multipart/form-data", data={"other": "x"})
    assert error_code(response, 422) == "validation_failed"
    response = client.post(UPLOADS, headers=a1, json={})
    assert error_code(response, 422) == "validation_failed"


@pytest.mark.parametrize("who, status, code", [("officer_a1", 403, "forbidden"), ("inspector_a", 403, "read_only"),
                                               ("admin", 403, "forbidden")])
def test_only_supervisees_upload(app, client, world, upload_dir, who, status, code):
    assert error_code(post_photo(client, world.h(who), jpeg()), status) == code
    assert error_code(post_photo(client, {}, jpeg()), 401) == "unauthorized"
    assert_nothing_stored(app, upload_dir)


def test_a_closed_file_takes_no_photos(app, client, world, a1, upload_dir):
    released = client.post(f"/api/v1/subjects/{world.subjects['a1']}/release", headers=world.h("officer_a1"),
                           json={"date": clock.today().isoformat(), "type": "custody"})
    assert released.status_code == 200, released.get_json()
    assert error_code(post_photo(client, a1, jpeg()), 409) == "subject_closed"
    assert_nothing_stored(app, upload_dir)


# --- the row and the file exist together or not at all ------------------------------------------------------

def _supervisee_user(app, world) -> User:
    return db.session.scalar(sa.select(User).join(SuperviseeAccount, SuperviseeAccount.user_id == User.id)
                             .where(SuperviseeAccount.subject_id == world.subjects["a1"]))


def test_a_failed_write_leaves_no_row(app, client, world, a1, upload_dir, monkeypatch):
    def broken_put(key, data):
        raise OSError("disk full")

    with app.app_context():
        monkeypatch.setattr(components().files, "put", broken_put)
        with pytest.raises(OSError, match="disk full"):
            uploads.store_photo(_supervisee_user(app, world), jpeg(), as_of=clock.now())
    assert_nothing_stored(app, upload_dir)


def test_a_failed_commit_leaves_no_file(app, client, world, a1, upload_dir, monkeypatch):
    def broken_commit():
        raise RuntimeError("connection lost")

    with app.app_context():
        user = _supervisee_user(app, world)
        monkeypatch.setattr(db.session, "commit", broken_commit)
        with pytest.raises(RuntimeError, match="connection lost"):
            uploads.store_photo(user, jpeg(), as_of=clock.now())
        monkeypatch.undo()
    assert_nothing_stored(app, upload_dir)


# --- viewing: officers and inspectors in scope --------------------------------------------------------------

def test_officer_views_the_stored_photo(client, world, a1, upload_dir):
    body = uploaded(post_photo(client, a1, png(), "photo.png", "image/png"))
    response = client.get(f"/api/v1/uploads/{body['id']}", headers=world.h("officer_a1"))
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    [path] = stored_files(upload_dir)
    assert response.get_data() == path.read_bytes()
    assert exif_of(response.get_data()) == {}


@pytest.mark.parametrize("who, status", [
    ("officer_a1", 200), ("county_a", 200), ("inspector_a", 200),
    ("officer_a2", 404), ("officer_b1", 404), ("county_b", 404), ("inspector_b", 404),
    ("admin", 403),
])
def test_photo_scope(client, world, a1, who, status):
    photo_id = uploaded(post_photo(client, a1, jpeg()))["id"]
    response = client.get(f"/api/v1/uploads/{photo_id}", headers=world.h(who))
    if status == 200:
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
    else:
        code = error_code(response, status)
        assert code == ("photo_not_found" if status == 404 else "forbidden")


def test_supervisees_do_not_fetch_photos(client, world, a1):
    photo_id = uploaded(post_photo(client, a1, jpeg()))["id"]
    b1 = supervisee_headers(client, world, "b1")
    assert error_code(client.get(f"/api/v1/uploads/{photo_id}", headers=b1), 403) == "forbidden"
    assert error_code(client.get(f"/api/v1/uploads/{photo_id}", headers=a1), 403) == "forbidden"
    assert error_code(client.get(f"/api/v1/uploads/{photo_id}"), 401) == "unauthorized"


def test_an_unknown_photo_is_404(client, world):
    for photo_id in (1, 2**31 - 1):
        response = client.get(f"/api/v1/uploads/{photo_id}", headers=world.h("officer_a1"))
        assert error_code(response, 404) == "photo_not_found"
    assert error_code(client.get("/api/v1/uploads/2147483648", headers=world.h("officer_a1")), 404) == "not_found"


# --- attach_photos, for the reports service -----------------------------------------------------------------

def _report(subject_id: int) -> Report:
    now = clock.now()
    report = Report(subject_id=subject_id, kind=ReportKind.life_event, content="搬家", submitted_at=now,
                    submitted_on=clock.local_date(now))
    with transaction():
        db.session.add(report)
    return report


def _attached(photo_ids: list[int]) -> list[int | None]:
    db.session.expire_all()
    return [db.session.get(Upload, photo_id).report_id for photo_id in photo_ids]


@pytest.fixture
def photos(client, world, a1) -> dict[str, list[int]]:
    """Two photos of a1, one of b1."""
    b1 = supervisee_headers(client, world, "b1")
    return {"a1": [uploaded(post_photo(client, a1, jpeg()))["id"] for _ in range(2)],
            "b1": [uploaded(post_photo(client, b1, jpeg()))["id"]]}


def test_attach_photos_to_a_report(app, world, photos):
    with app.app_context():
        subject = db.session.get(Subject, world.subjects["a1"])
        report = _report(subject.id)
        with transaction():
            uploads.attach_photos(subject, report, photos["a1"] + photos["a1"][:1])  # a repeated id counts once
        assert [photo.id for photo in report.photos] == photos["a1"]
        assert _attached(photos["a1"]) == [report.id, report.id]


def test_attach_photos_to_a_report_not_yet_flushed(app, world, photos):
    with app.app_context():
        subject = db.session.get(Subject, world.subjects["a1"])
        with transaction():
            now = clock.now()
            report = Report(subject_id=subject.id, kind=ReportKind.life_event, content="搬家", submitted_at=now,
                            submitted_on=clock.local_date(now))
            uploads.attach_photos(subject, report, photos["a1"][:1])
        assert report.id is not None and _attached(photos["a1"][:1]) == [report.id]


@pytest.mark.parametrize("pick", ["other_subject", "unknown", "attached", "out_of_range"])
def test_attach_refuses_photos_that_are_not_this_subjects_free_ones(app, world, photos, pick):
    with app.app_context():
        subject = db.session.get(Subject, world.subjects["a1"])
        first = _report(subject.id)
        with transaction():
            uploads.attach_photos(subject, first, photos["a1"][1:])
        bad = {"other_subject": photos["b1"][0], "unknown": 999_999, "attached": photos["a1"][1],
               "out_of_range": 2**31}[pick]
        second = _report(subject.id)
        with pytest.raises(RuleViolation) as raised:
            with transaction():
                uploads.attach_photos(subject, second, [photos["a1"][0], bad])
        assert raised.value.code == "invalid_photo" and set(raised.value.fields) == {"photo_ids"}
        assert _attached(photos["a1"]) == [None, first.id]  # nothing half-attached
        assert _attached(photos["b1"]) == [None]


def test_attach_allows_at_most_nine_photos(app, client, world, a1):
    photo_ids = [uploaded(post_photo(client, a1, jpeg(size=(8, 8))))["id"] for _ in range(10)]
    with app.app_context():
        subject = db.session.get(Subject, world.subjects["a1"])
        report = _report(subject.id)
        with pytest.raises(RuleViolation) as raised:
            with transaction():
                uploads.attach_photos(subject, report, photo_ids)
        assert raised.value.code == "too_many_photos" and set(raised.value.fields) == {"photo_ids"}
        with transaction():
            uploads.attach_photos(subject, report, photo_ids[:9])
        assert len(report.photos) == 9
        with pytest.raises(RuleViolation):
            with transaction():
                uploads.attach_photos(subject, report, photo_ids[9:])


# --- integration: chunked photos, the field name, photos on a report ---------------------------------------

def test_a_chunked_photo_over_one_mib_is_accepted_up_to_the_photo_limit(app, client, world, a1):
    data = noise_png(700, 700)
    assert MIB < len(data) < 5 * MIB
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename="p.png",
                                                           content_type="image/png")})
    headers = {**a1, "Transfer-Encoding": "chunked", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    response = client.post(UPLOADS, input_stream=io.BytesIO(body), headers=headers,
                           environ_overrides={"wsgi.input_terminated": True})
    assert uploaded(response)["content_type"] == "image/png"


def test_a_missing_file_names_the_file_field(client, world, a1):
    response = client.post(UPLOADS, headers=a1, data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and set(response.get_json()["error"]["fields"]) == {"file"}


def test_photos_go_with_a_report_and_officers_can_see_them(app, client, world, a1):
    with clock.frozen(datetime(2026, 11, 26, 4, 0, tzinfo=UTC)):
        client.post(f"/api/v1/subjects/{world.subjects['a1']}/report-in", json={}, headers=world.h("officer_a1"))
        photo = uploaded(post_photo(client, a1, jpeg()))["id"]
        report = client.post("/api/v1/me/reports", headers=a1, json={
            "kind": "life_event", "event_type": "family_event", "content": "家中老人住院。", "photo_ids": [photo]})
        assert report.status_code == 201 and report.get_json()["photo_ids"] == [photo]
        again = client.post("/api/v1/me/reports", headers=a1, json={
            "kind": "periodic", "content": "本周情况正常。", "photo_ids": [photo]})
    assert again.status_code == 422 and "photo_ids" in again.get_json()["error"]["fields"]
    seen = client.get(f"/api/v1/uploads/{photo}", headers=world.h("officer_a1"))
    assert seen.status_code == 200 and seen.mimetype == "image/jpeg"
    assert client.get(f"/api/v1/uploads/{photo}", headers=world.h("officer_b1")).status_code == 404


def test_proof_documents_go_with_a_leave_request_once(app, client, world, a1):
    with clock.frozen(datetime(2026, 11, 26, 4, 0, tzinfo=UTC)):
        client.post(f"/api/v1/subjects/{world.subjects['a1']}/report-in", json={}, headers=world.h("officer_a1"))
        proof = uploaded(post_photo(client, a1, jpeg()))["id"]
        body = {"destinations": [{"city_code": "210100", "city_name": "沈阳市"}], "start_date": "2026-12-01",
                "end_date": "2026-12-02", "reason_type": "medical", "reason": "复查", "attachments": [proof]}
        created = client.post("/api/v1/me/leave-requests", json=body, headers=a1)
        assert created.status_code == 201 and created.get_json()["attachments"] == [proof]
        reused = client.post("/api/v1/me/leave-requests", headers=a1,
                             json={**body, "start_date": "2026-12-10", "end_date": "2026-12-11"})
    assert reused.status_code == 422 and "attachments" in reused.get_json()["error"]["fields"]
    assert client.get(f"/api/v1/uploads/{proof}", headers=world.h("officer_a1")).status_code == 200
