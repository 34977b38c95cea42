"""ID numbers at rest: encrypted, rotatable, digested with a key; passwords hashed with argon2id."""

from cryptography.fernet import Fernet

from correction.crypto import IdNumberVault, Passwords

ID = "11010519491231002X"


def test_encrypted_id_numbers_do_not_contain_the_number_and_rotate():
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    old = IdNumberVault([old_key], "index")
    token = old.encrypt(ID)
    assert ID.encode() not in token and old.decrypt(token) == ID
    rotated = IdNumberVault([new_key, old_key], "index")
    assert rotated.decrypt(token) == ID            # old ciphertext still readable during rotation
    fresh = rotated.rotate(token)
    assert IdNumberVault([new_key], "index").decrypt(fresh) == ID  # re-encrypted under the new key


def test_digest_is_keyed():
    assert IdNumberVault([Fernet.generate_key().decode()], "k1").digest(ID) != \
        IdNumberVault([Fernet.generate_key().decode()], "k2").digest(ID)


def test_passwords():
    passwords = Passwords(time_cost=1, memory_cost_kib=8)
    stored = passwords.hash("s3cret-password")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "s3cret-password")
    assert not passwords.verify(stored, "wrong")
    assert not passwords.verify(None, "s3cret-password")
    assert not passwords.verify("not-a-hash", "s3cret-password")
