"""Secrets at rest: ID numbers encrypted with rotating Fernet keys, keyed lookup digests, password hashes."""

import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, MultiFernet


class IdNumberVault:
    """Encrypts ID numbers (newest key first, older keys still decrypt) and digests them for lookups.

    The digest is an HMAC, so a database dump alone cannot be searched for a known ID number.
    """

    def __init__(self, keys: list[str], index_key: str):
        if not keys or not index_key:
            raise ValueError("ID number keys are not configured")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        self._index_key = index_key.encode()

    def encrypt(self, id_number: str) -> bytes:
        return self._fernet.encrypt(id_number.encode())

    def decrypt(self, token: bytes) -> str:
        return self._fernet.decrypt(token).decode()

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt under the newest key (for key rotation)."""
        return self._fernet.rotate(token)

    def digest(self, id_number: str) -> str:
        return hmac.new(self._index_key, id_number.encode(), hashlib.sha256).hexdigest()


class Passwords:
    """argon2id password hashing with configurable cost."""

    def __init__(self, time_cost: int, memory_cost_kib: int):
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=1)
        # A real hash of a random value, checked when the user does not exist, so timing does not reveal it.
        self._decoy = self._hasher.hash("decoy-password-for-timing")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._decoy, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False


def code_digest(secret: str, code: str) -> str:
    """Keyed digest of a short single-use code (activation codes are never stored in clear)."""
    return hmac.new(secret.encode(), code.encode(), hashlib.sha256).hexdigest()
