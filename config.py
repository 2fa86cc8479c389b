"""Configuration read from the environment; nothing secret is hard-coded for production."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Production defaults: secure cookies, real SMTP, database from DATABASE_URL."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'consent.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # SQLite (one server, small districts): how long a write waits for another to finish.
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "10000"))
    # SQLite: FULL waits for the disk at every commit, so a commit survives a power cut. The
    # tests' throw-away files set OFF (a third of a small commit's time is that wait).
    SQLITE_SYNCHRONOUS = os.environ.get("SQLITE_SYNCHRONOUS", "FULL")
    # argon2id for passwords: the OWASP row m=19 MiB, t=2 (consent/accounts/passwords.py). The app
    # refuses to start below every OWASP row unless TESTING (the tests' accounts use cheap ones).
    PASSWORD_HASH_MEMORY_KIB = int(os.environ.get("PASSWORD_HASH_MEMORY_KIB", str(19 * 1024)))
    PASSWORD_HASH_TIME_COST = int(os.environ.get("PASSWORD_HASH_TIME_COST", "2"))
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    DISTRICT_NAME = os.environ.get("DISTRICT_NAME", "Demo County Public Schools")
    DISTRICT_TIMEZONE = os.environ.get("DISTRICT_TIMEZONE", "America/New_York")
    # How families and staff reach the privacy office: shown in every page's footer.
    # The annual notice (consent.notice) names the office itself; these are its fallbacks.
    PRIVACY_OFFICE_NAME = os.environ.get("PRIVACY_OFFICE_NAME", "")
    PRIVACY_OFFICE_EMAIL = os.environ.get("PRIVACY_OFFICE_EMAIL", "privacy@example.org")
    PRIVACY_OFFICE_PHONE = os.environ.get("PRIVACY_OFFICE_PHONE", "")
    PRIVACY_OFFICE_ADDRESS = os.environ.get("PRIVACY_OFFICE_ADDRESS", "")
    # Calendar days the district gives itself to answer a records request and to hold a hearing
    # (34 CFR 99.10: at most 45 to make records available; a larger value counts as 45).
    RECORDS_INSPECT_DAYS = int(os.environ.get("RECORDS_INSPECT_DAYS", "45"))
    RECORDS_AMEND_DAYS = int(os.environ.get("RECORDS_AMEND_DAYS", "45"))
    RECORDS_HEARING_DAYS = int(os.environ.get("RECORDS_HEARING_DAYS", "45"))
    # Approved tools return to the vetting committee this many days after each approval; the
    # office's re-review list shows those due within REVIEW_NOTICE_DAYS.
    REVIEW_INTERVAL_DAYS = int(os.environ.get("REVIEW_INTERVAL_DAYS", "365"))
    REVIEW_NOTICE_DAYS = int(os.environ.get("REVIEW_NOTICE_DAYS", "30"))
    # `flask vetting policy-watch` fetches each approved tool's privacy policy (it reaches the
    # internet, so it does nothing unless turned on), waiting at most this many seconds each.
    POLICY_WATCH = _bool("POLICY_WATCH", False)
    POLICY_WATCH_TIMEOUT = float(os.environ.get("POLICY_WATCH_TIMEOUT", "10"))
    # The most of a policy page the watch reads; a larger page counts as unreadable.
    POLICY_WATCH_MAX_BYTES = int(os.environ.get("POLICY_WATCH_MAX_BYTES", "2000000"))

    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    # "__Host-": this host only, HTTPS only (dropped automatically when cookies are not Secure).
    SESSION_COOKIE_NAME = os.environ.get("SESSION_COOKIE_NAME", "__Host-session")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Server-side sessions (consent.accounts.sessions) end after this long without a request,
    # and this long after sign-in whatever happens.
    SESSION_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30")))
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")))
    PERMANENT_SESSION_LIFETIME = SESSION_ABSOLUTE_TIMEOUT
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    MAX_CONTENT_LENGTH = 1 * 1024 * 1024
    ROSTER_UPLOAD_MAX_BYTES = int(os.environ.get("ROSTER_UPLOAD_MAX_BYTES", 512 * 1024 * 1024))
    # On PostgreSQL, a first import of at least this many rows into an empty table rebuilds the
    # table's indexes and keys after loading instead of maintaining them row by row.
    ROSTER_BULK_LOAD_ROWS = int(os.environ.get("ROSTER_BULK_LOAD_ROWS", "100000"))
    # Uploaded roster zips wait here for the roster worker (`flask roster work --loop`); every
    # web process and the worker must see the same folder. Default: the instance folder's uploads/.
    ROSTER_UPLOAD_DIR = os.environ.get("ROSTER_UPLOAD_DIR", "")
    # A running import whose worker has not reported for this long is shown as interrupted (and
    # may be retried). On SQLite the worker cannot report while the import holds the write lock,
    # so keep this above the longest import's writing time.
    ROSTER_IMPORT_STALE_SECONDS = int(os.environ.get("ROSTER_IMPORT_STALE_SECONDS", "600"))
    # District-wide report figures from `flask reports refresh` (cron every 5 minutes) are shown
    # while younger than this; older ones are ignored and the figures computed live.
    REPORT_SNAPSHOT_MAX_AGE_SECONDS = int(os.environ.get("REPORT_SNAPSHOT_MAX_AGE_SECONDS", "900"))
    WTF_CSRF_TIME_LIMIT = 12 * 3600

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "consent@example.org")
    MAIL_TIMEOUT_SECONDS = float(os.environ.get("MAIL_TIMEOUT_SECONDS", "10"))
    NOTIFICATION_BACKOFF_SECONDS = int(os.environ.get("NOTIFICATION_BACKOFF_SECONDS", "60"))
    NOTIFICATION_BACKOFF_MAX_SECONDS = 3600
    # The 'Who has my child's data' page shows each staff reader's role; their name only if on.
    SHOW_STAFF_NAMES_TO_GUARDIANS = _bool("SHOW_STAFF_NAMES_TO_GUARDIANS", False)
    # A message still undeliverable this long after it was written is marked failed (shown to
    # the privacy office on the outbox page) instead of retried forever; 0 attempts = no cap.
    NOTIFICATION_GIVE_UP_AFTER_HOURS = float(
        os.environ.get("NOTIFICATION_GIVE_UP_AFTER_HOURS", "72")
    )
    NOTIFICATION_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATION_MAX_ATTEMPTS", "0"))

    # Number of reverse proxies in front of the app (load balancer, TLS terminator). Their
    # X-Forwarded-For/-Proto are trusted only that deep, so rate limits see the real address.
    PROXY_HOPS = int(os.environ.get("PROXY_HOPS", "0"))
    # Production runs several workers: give them one count, redis://127.0.0.1:6379/0 (memory://
    # counts per process, so each worker would allow the full limit). Development: memory.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    SIGNIN_RATE_LIMIT = os.environ.get("SIGNIN_RATE_LIMIT", "10 per minute;50 per hour")
    # Per email address, across all visitors: this many failures within the window lock it.
    SIGNIN_LOCKOUT_THRESHOLD = int(os.environ.get("SIGNIN_LOCKOUT_THRESHOLD", "100"))
    SIGNIN_LOCKOUT_WINDOW = timedelta(hours=1)
    PASSWORD_RESET_MAX_AGE = 3600
    INVITATION_MAX_AGE = 14 * 24 * 3600
    # Relatives without FERPA rights may be invited to view only if the district turns this on.
    INVITE_RELATIVES = _bool("INVITE_RELATIVES", False)

    # The key of the receipts' verification codes (HMAC-SHA256, consent.receipts.codes). Set a
    # long random value of its own and keep it: codes already printed verify only under the key
    # that made them, so changing it makes every earlier receipt read "no decision matches".
    # Unset, a key derived from SECRET_KEY is used (rotating SECRET_KEY then has the same effect).
    RECEIPT_KEY = os.environ.get("RECEIPT_KEY")
    # The privacy office's receipt check, per visitor: codes are short, so trying many is slow.
    RECEIPT_VERIFY_RATE_LIMIT = os.environ.get(
        "RECEIPT_VERIFY_RATE_LIMIT", "20 per minute;200 per hour"
    )
    # Staff sign-in with the district's OpenID Connect provider (consent.accounts.sso): on when
    # an issuer is set. The person is matched to a roster staff record by OIDC_MATCH_CLAIM: a
    # verified `email`, or another claim matched against the roster's staff id (sourcedId).
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
    OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "your district account")
    OIDC_MATCH_CLAIM = os.environ.get("OIDC_MATCH_CLAIM", "email")
    OIDC_TIMEOUT_SECONDS = float(os.environ.get("OIDC_TIMEOUT_SECONDS", "10"))
    # Off: staff can only sign in through the provider (guardians keep email and password).
    STAFF_PASSWORD_SIGNIN = _bool("STAFF_PASSWORD_SIGNIN", True)

    # Webhooks (consent.webhooks): how long one attempt may take to connect and to be answered,
    # the backoff between attempts (doubling from the first, up to the cap), and after how many
    # attempts a delivery is failed for good (the office may retry it from the delivery list).
    WEBHOOK_CONNECT_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_CONNECT_TIMEOUT_SECONDS", "3"))
    WEBHOOK_READ_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_READ_TIMEOUT_SECONDS", "10"))
    WEBHOOK_BACKOFF_SECONDS = int(os.environ.get("WEBHOOK_BACKOFF_SECONDS", "30"))
    WEBHOOK_BACKOFF_MAX_SECONDS = int(os.environ.get("WEBHOOK_BACKOFF_MAX_SECONDS", "3600"))
    WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "12"))
    # A worker's claim on a delivery it is sending: if it dies mid-send, another worker sends
    # the delivery again after this long. A batch is leased for at least the time sending all
    # of it can take (both timeouts, per delivery), whatever this says.
    WEBHOOK_LEASE_SECONDS = int(os.environ.get("WEBHOOK_LEASE_SECONDS", "120"))
    # Plain http:// to this machine (127.0.0.1, ::1, localhost) for tests and the demo; every
    # other address must be https://.
    WEBHOOKS_ALLOW_LOOPBACK_HTTP = _bool("WEBHOOKS_ALLOW_LOOPBACK_HTTP", False)

    BABEL_DEFAULT_LOCALE = "en"
    # The languages the district offers families (each needs a catalog in consent/translations).
    LANGUAGES = tuple(os.environ.get("LANGUAGES", "en,es").split(","))
    BABEL_DEFAULT_TIMEZONE = DISTRICT_TIMEZONE
    PAGE_SIZE = 25


class DevelopmentConfig(Config):
    """One process and a SQLite file on a laptop: plain-HTTP cookies, a local mail sink."""

    SECRET_KEY = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    SESSION_COOKIE_NAME = os.environ.get("SESSION_COOKIE_NAME", "session")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "8025"))
    WEBHOOKS_ALLOW_LOOPBACK_HTTP = _bool("WEBHOOKS_ALLOW_LOOPBACK_HTTP", True)


CONFIGS = {"production": Config, "development": DevelopmentConfig}
