"""Passwords: argon2id hashing and the rules a new password must meet (OWASP ASVS 6.2).

Hashing uses the OWASP Password Storage Cheat Sheet row m=19 MiB, t=2, p=1 (ASVS Appendix C):
about 40 ms to verify on one core, so a sign-in stays quick while each guess stays costly.
`bench/password_bench.py` measures it. Hashes made with other parameters are upgraded at the
next sign-in. Passwords are NFKC-normalised first, so the same passphrase typed on another
keyboard (full-width letters, composed accents) still matches.
"""

import re
import unicodedata
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

TIME_COST = 2
MEMORY_COST_KIB = 19 * 1024
PARALLELISM = 1
# OWASP Password Storage Cheat Sheet, argon2id rows (memory KiB, iterations) at p=1: the app
# refuses to start below all of them (config PASSWORD_HASH_*), unless TESTING.
OWASP_ROWS = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))


def parameters_problem(memory_kib: int, time_cost: int) -> str | None:
    """Why argon2id at these parameters would be too cheap for production, or None."""
    if any(memory_kib >= m and time_cost >= t for m, t in OWASP_ROWS):
        return None
    return (
        f"argon2id m={memory_kib} KiB, t={time_cost} is below every OWASP row "
        "(PASSWORD_HASH_MEMORY_KIB, PASSWORD_HASH_TIME_COST)"
    )


@cache
def _hasher_for(memory_kib: int, time_cost: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=PARALLELISM, type=Type.ID
    )


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when the email is unknown, so both answers take about as long."""
    return hasher.hash("not a real password, only for timing")


def _hasher() -> PasswordHasher:
    """The app's parameters (config.py; the tests' throw-away accounts use cheap ones, as
    Django's documentation advises), or the production row outside an app."""
    config = current_app.config if has_app_context() else {}
    return _hasher_for(
        int(config.get("PASSWORD_HASH_MEMORY_KIB", MEMORY_COST_KIB)),
        int(config.get("PASSWORD_HASH_TIME_COST", TIME_COST)),
    )


MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
# Words anyone would try first against this service.
_SERVICE_WORDS = {"consent", "consentdemo", "studentprivacy", "privacy", "student", "school"}
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "1234567890" * 3,
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)
_EDGE_JUNK = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def normalize(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    return _hasher().hash(normalize(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    try:
        ok = hasher.verify(password_hash or _dummy_hash(hasher), normalize(password))
    except (VerificationError, InvalidHashError):
        return False
    return ok and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _is_common(lowered: str) -> bool:
    """A listed password, or one dressed up the usual ways: digits and symbols around it,
    repeated ("passwordpassword"), one character over and over, or a keyboard run."""
    common = common_passwords() | _SERVICE_WORDS
    compact = re.sub(r"[\s\W_]+", "", lowered)
    core = _EDGE_JUNK.sub("", lowered)
    candidates = {lowered, compact, core, re.sub(r"[\s\W_]+", "", core)}
    if any(c in common for c in candidates if c):
        return True
    if len(set(compact)) <= 2:
        return True
    for size in range(1, len(compact) // 2 + 1):
        unit = compact[:size]
        repeated = len(compact) % size == 0 and unit * (len(compact) // size) == compact
        if repeated and (size < 4 or unit in common):
            return True
    return any(compact in run or compact in run[::-1] for run in _SEQUENCES)


def password_problem(password: str, *, email: str | None = None):
    """Why this new password is refused, as a message for the form; None when it is fine.

    No composition rules (ASVS 6.2.5): length, and not one of the passwords guessed first."""
    text = normalize(password)
    if not MIN_LENGTH <= len(text) <= MAX_LENGTH:
        return _l("Use between %(min)s and %(max)s characters.", min=MIN_LENGTH, max=MAX_LENGTH)
    lowered = text.lower()
    local_part = (email or "").split("@", 1)[0].lower()
    if _is_common(lowered) or (len(local_part) >= 4 and local_part in lowered):
        return _l(
            "That password is one of the first that attackers try. "
            "A short sentence only you would think of works well."
        )
    return None
