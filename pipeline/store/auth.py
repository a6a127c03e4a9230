"""Passwords, signed session cookies and CSRF tokens for the review workbench (stdlib only).

Passwords are hashed with scrypt and a random salt per reviewer. A session is a
random token: the browser holds the token signed with the store's secret (HMAC-SHA256),
the store holds only the token's SHA-256, the reviewer, an expiry time and the
session's CSRF token. A cookie that was tampered with, or whose session expired or
was ended, is refused.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # scrypt of a megabyte-long password is work for nothing


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"password: at least {MIN_PASSWORD} characters, got {len(password)}")
    if len(password) > MAX_PASSWORD:
        raise ValueError(f"password: at most {MAX_PASSWORD} characters, got {len(password)}")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    got = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    return hmac.compare_digest(got, _unb64(digest))


@functools.cache
def dummy_hash() -> str:
    """A hash of a random password, made once per process: checking a password against it costs what
    checking a real one does, so a login for a name that does not exist takes as long as a wrong password."""
    return hash_password(secrets.token_urlsafe(16))


def unusable_password() -> str:
    """For accounts that only hold imported codings: no password matches it."""
    return "disabled$" + secrets.token_hex(16)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign(value: str, secret: bytes) -> str:
    mac = hmac.new(secret, value.encode(), hashlib.sha256).digest()
    return f"{value}.{_b64(mac)}"


def unsign(signed: str | None, secret: bytes) -> str | None:
    """The value of a signed cookie, or None if it is missing or its signature is wrong."""
    if not signed or "." not in signed:
        return None
    value, _, mac = signed.rpartition(".")
    try:
        given = _unb64(mac)
    except ValueError:
        return None
    want = hmac.new(secret, value.encode(), hashlib.sha256).digest()
    return value if hmac.compare_digest(given, want) else None


def csrf_for(nonce: str, secret: bytes, purpose: str = "login") -> str:
    """A CSRF token bound to a pre-login nonce (the login form has no session yet)."""
    return _b64(hmac.new(secret, f"{purpose}:{nonce}".encode(), hashlib.sha256).digest())


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())
