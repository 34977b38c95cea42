"""correction.storage.LocalFileStore: keys stay inside the root, writes are atomic; the app builds it from settings."""

import os
import stat
from pathlib import Path

import pytest

from config import settings_for
from correction.components import components
from correction.storage import LocalFileStore
from tests.apps import isolated_app


@pytest.fixture
def store(tmp_path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "files")


def all_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_put_creates_folders_and_get_returns_the_bytes(store, tmp_path):
    assert not (tmp_path / "files").exists()  # nothing is created before the first write
    store.put("photos/2026/11/abc.jpg", b"\xff\xd8 photo")
    assert store.get("photos/2026/11/abc.jpg") == b"\xff\xd8 photo"
    assert all_files(tmp_path) == [tmp_path / "files/photos/2026/11/abc.jpg"]


def test_put_replaces_and_leaves_no_temporary_file(store, tmp_path):
    store.put("a/b.bin", b"first")
    store.put("a/b.bin", b"second")
    assert store.get("a/b.bin") == b"second"
    assert all_files(tmp_path) == [tmp_path / "files/a/b.bin"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_files_are_readable_by_the_service_only(store, tmp_path):
    store.put("a.bin", b"x")
    assert stat.S_IMODE((tmp_path / "files/a.bin").stat().st_mode) == 0o600


def test_get_of_a_missing_key_is_a_key_error(store):
    with pytest.raises(KeyError):
        store.get("photos/none.jpg")


def test_delete_removes_and_ignores_a_missing_key(store, tmp_path):
    store.put("a/b.bin", b"x")
    store.delete("a/b.bin")
    store.delete("a/b.bin")
    store.delete("never/stored.bin")
    assert all_files(tmp_path) == []
    with pytest.raises(KeyError):
        store.get("a/b.bin")


def test_a_failed_write_keeps_the_old_file_and_no_temporary_one(store, tmp_path, monkeypatch):
    store.put("a/b.bin", b"old")

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        store.put("a/b.bin", b"new")
    monkeypatch.undo()
    assert store.get("a/b.bin") == b"old"
    assert all_files(tmp_path) == [tmp_path / "files/a/b.bin"]


@pytest.mark.parametrize("key", [
    "", "../outside.bin", "a/../../outside.bin", "a/..", "..", ".", "./a.bin", "/etc/passwd", "a//b.bin", "a/",
    "a\\..\\b.bin", ".tmp-abc", "a/.hidden", "a/b.bin\x00", "~/a.bin", "a b.bin", "照片.jpg", "a" * 201,
])
def test_keys_that_could_escape_or_collide_are_refused(store, tmp_path, key):
    for operation in (lambda: store.put(key, b"x"), lambda: store.get(key), lambda: store.delete(key)):
        with pytest.raises(ValueError):
            operation()
    assert all_files(tmp_path) == []


def test_a_symlink_out_of_the_root_is_refused(store, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "files").mkdir()
    (tmp_path / "files/link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ValueError, match="escapes"):
        store.put("link/x.bin", b"x")
    assert list(outside.iterdir()) == []


def test_upload_dir_comes_from_the_environment():
    assert settings_for("testing", environ={})["UPLOAD_DIR"] is None
    assert settings_for("testing", environ={"UPLOAD_DIR": "/srv/sqjz/uploads"})["UPLOAD_DIR"] == "/srv/sqjz/uploads"
    assert settings_for("testing", environ={})["UPLOAD_MAX_BYTES"] == 5 * 1024 * 1024


def test_the_app_stores_in_upload_dir(database_url, tmp_path):
    with isolated_app(database_url, UPLOAD_DIR=str(tmp_path / "up")) as app, app.app_context():
        files = components().files
        assert isinstance(files, LocalFileStore) and files.root == tmp_path / "up"
        assert components().upload_max_bytes == 5 * 1024 * 1024


def test_without_upload_dir_the_app_stores_in_the_instance_folder(database_url):
    with isolated_app(database_url) as app, app.app_context():
        assert components().files.root == Path(app.instance_path) / "uploads"
