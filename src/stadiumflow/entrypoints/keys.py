"""Keys as both HTTP homes check them: configured as comma-separated secrets, kept as
SHA-256 digests, compared in constant time.

The Starlette server's security middleware checks device, read and operator keys with
it; the Functions app checks operator keys with it (the host checks its own function
keys before that). Each presented key is compared, through its digest, with every
configured key using ``hmac.compare_digest`` and no early exit: the time taken reveals
neither which key matched nor a key's length. Keys are never logged.

>>> from pydantic import SecretStr
>>> ring = KeyRing.of(SecretStr("alpha, beta,,"))
>>> ring.is_open, ring.match(b"beta") is not None, ring.match(b"gamma"), ring.match(None)
(False, True, None, None)
>>> KeyRing.of(None).is_open
True
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from pydantic import SecretStr

KEY_HEADER = "x-functions-key"
KEY_QUERY = "code"


def parse_keys(secret: SecretStr | None) -> list[str]:
    """The comma-separated keys of a setting, blanks dropped."""
    if secret is None:
        return []
    return [k.strip() for k in secret.get_secret_value().split(",") if k.strip()]


def digest(key: str | bytes) -> bytes:
    return hashlib.sha256(key.encode() if isinstance(key, str) else key).digest()


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The digests of one setting's keys; no keys means the routes it guards are open."""

    digests: tuple[bytes, ...]

    @classmethod
    def of(cls, secret: SecretStr | None) -> KeyRing:
        return cls(tuple(digest(k) for k in parse_keys(secret)))

    @property
    def is_open(self) -> bool:
        return not self.digests

    def match(self, presented: bytes | None) -> bytes | None:
        """The digest of ``presented`` if it is one of the keys; all keys compared, always."""
        if presented is None:
            return None
        found = digest(presented)
        matched = False
        for known in self.digests:
            matched |= hmac.compare_digest(found, known)
        return found if matched else None

    def allows(self, presented: bytes | None) -> bool:
        """Open, or ``presented`` is one of the keys."""
        return self.is_open or self.match(presented) is not None
