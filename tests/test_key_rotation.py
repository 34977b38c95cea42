"""`flask crypto rotate-id-numbers`: after a new key is put first, every ID number is re-encrypted under it, the
digests follow a new index key, and the service still finds and reads everything with the new keys alone."""

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken

from config import Testing
from correction.db import db
from correction.models import Investigation, Subject
from mobile_api import create_app
from tests.apps import at
from tests.factories import intake_body, investigation_body

OLD_KEY = Testing.ID_NUMBER_KEYS[0]
NEW_KEY = Fernet.generate_key().decode()


def ciphers(app) -> list[bytes]:
    with app.app_context():
        return [*db.session.scalars(sa.select(Subject.id_number_cipher)),
                *db.session.scalars(sa.select(Investigation.id_number_cipher))]


def test_rotation_moves_every_id_number_to_the_new_keys(app, client, world, database_url):
    with at(2026, 11, 26):
        assert client.post("/api/v1/investigations", headers=world.h("officer_a1"),
                           json=investigation_body(world.units["office_a1"], 9)).status_code == 201
    rotated = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "ID_NUMBER_KEYS": [NEW_KEY, OLD_KEY],
                                     "ID_INDEX_KEY": "new-index-key"})
    try:
        result = rotated.test_cli_runner().invoke(args=["crypto", "rotate-id-numbers", "--batch-size", "1"])
        assert result.exit_code == 0, result.output
        assert "rotated 3 ID numbers" in result.output
        stored = ciphers(rotated)
        assert len(stored) == 3
        assert all(Fernet(NEW_KEY).decrypt(token) for token in stored)
        for token in stored:
            with pytest.raises(InvalidToken):
                Fernet(OLD_KEY).decrypt(token)
        new_only = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "ID_NUMBER_KEYS": [NEW_KEY],
                                          "ID_INDEX_KEY": "new-index-key"})
        client = new_only.test_client()
        token = client.post("/api/v1/auth/token", json={"username": "officer_a1",
                                                        "password": "correct-horse-battery"}).get_json()
        again = client.post("/api/v1/subjects", headers={"Authorization": f"Bearer {token['access_token']}"},
                            json=intake_body(world.units["office_a1"], 1))
        assert again.status_code == 409, again.get_json()  # found by the new digest: already under correction
        with new_only.app_context():
            db.engine.dispose()
    finally:
        with rotated.app_context():
            db.engine.dispose()
