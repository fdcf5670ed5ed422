"""Settings from `EXEC_CENTER_*` environment variables.

Every variable is documented in the README. A malformed value raises `ConfigError` naming the
variable, and the CLI stops with that message.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

PREFIX = "EXEC_CENTER_"
_COURT_CODE = re.compile(r"^[\u4e00-\u9fff]\d{4}$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    broker_url: str | None
    secret_key: str
    court_code: str = "粤5322"
    timezone: str = "Asia/Shanghai"
    debug: bool = False
    var_dir: Path = Path("var")
    token_ttl_minutes: int = 600
    asset_query_delay_seconds: float = 2.0
    # Connections each process keeps open, how many more it may open in a burst, and how long a
    # request waits for one before it is answered 503 UNAVAILABLE with Retry-After.
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_pool_timeout_seconds: float = 20.0
    # SIGTERM: a worker stops taking messages and gives those in flight this long to finish;
    # what has not finished goes back to the queue (it is redelivered, and every actor is
    # idempotent).
    worker_shutdown_seconds: float = 10.0
    # How often reconciliation re-wakes work that a lost message or a dead worker left undone;
    # work counts as stuck after twice this, so a worker's death delays a case by at most about
    # three times this plus the provider's answer time.
    reconcile_seconds: float = 15.0
    # The case type a reconsideration of this court's preservation ruling is filed under (a
    # court's choice): none by default - the court that made the ruling decides it within that
    # preservation matter (CPL 2023 art. 111; 民诉法解释 art. 171). Never 执复: 执复 numbers belong
    # to the higher court reconsidering an execution-objection ruling (CPL 2023 art. 236).
    preservation_reconsideration_case_type: str | None = None
    # The largest request body the API reads (bytes); larger ones are refused 413 unread.
    max_body_bytes: int = 1_048_576
    # Sign-in throttling (domain/throttling.py), per user name and per client address: failures
    # past the free ones double the wait before the next attempt (1 s up to the maximum); at the
    # lock threshold the name or address is locked for the lock time; failures older than that
    # are forgotten. An address gets more room: a court office shares one behind its NAT.
    signin_free_failures: int = 3
    signin_lock_after: int = 10
    signin_address_free_failures: int = 10
    signin_address_lock_after: int = 50
    signin_lock_minutes: int = 15
    signin_max_delay_seconds: int = 60
    # Browser origins allowed to call the API from another origin (CORS); none by default.
    cors_origins: tuple[str, ...] = ()
    # Production lock-down: `/graphql` runs only the operations of the catalogue
    # (schema/operations), sent by hash or as their exact text; with DEBUG, introspection too.
    trusted_documents_only: bool = False
    # `serve --demo`: also seed a few months of the demo court's past, once (`--history` /
    # `--no-history` on the command line decide instead).
    demo_history: bool = True
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        """No broker: jobs run on Dramatiq's StubBroker inside the API process."""
        return self.broker_url is None

    @property
    def broker_kind(self) -> str:
        """`stub`, `redis` or `rabbitmq`."""
        if self.broker_url is None:
            return "stub"
        return "rabbitmq" if self.broker_url.startswith(("amqp://", "amqps://")) else "redis"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(PREFIX + name)
    return value.strip() if value is not None else None


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = _get(env, name)
    if raw is None:
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ConfigError(f"{PREFIX}{name}={raw!r} is not a boolean; use 1/0, true/false, yes/no")


def _number(env: Mapping[str, str], name: str, default: float, kind: type, low: float) -> float:
    raw = _get(env, name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name}={raw!r} is not a {kind.__name__}") from None
    if value < low:
        raise ConfigError(f"{PREFIX}{name}={raw!r} must be at least {low}")
    return value


def normalise_database_url(url: str, *, name: str = PREFIX + "DATABASE_URL") -> str:
    """Accept the usual spellings and pick the async driver the project ships with."""
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+asyncpg://" + url.split("://", 1)[1]
    elif url.startswith("sqlite://"):
        url = "sqlite+aiosqlite://" + url.split("://", 1)[1]
    if not url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        raise ConfigError(
            f"{name}={url.split('@')[-1]!r} is not supported; use postgresql://user@host/db "
            "or sqlite:///path/to/file.db"
        )
    return url


def _secret_key(env: Mapping[str, str], var_dir: Path, needs_explicit: bool) -> str:
    raw = _get(env, "SECRET_KEY")
    if raw:
        if len(raw) < 32:
            raise ConfigError(f"{PREFIX}SECRET_KEY must be at least 32 characters long")
        return raw
    if needs_explicit:
        raise ConfigError(
            f"{PREFIX}SECRET_KEY is required when {PREFIX}BROKER_URL or a PostgreSQL "
            f"{PREFIX}DATABASE_URL is set (production); generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
        )
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    log.warning(
        "no %sSECRET_KEY set: generated one into %s for this embedded install; "
        "set %sSECRET_KEY in production",
        PREFIX,
        path,
        PREFIX,
    )
    return key


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    var_dir = Path(_get(env, "VAR_DIR") or "var")
    database_url = normalise_database_url(
        _get(env, "DATABASE_URL") or f"sqlite+aiosqlite:///{var_dir / 'exec-center.db'}"
    )
    broker_url = _broker_url(env)
    court_code = _get(env, "COURT_CODE") or "粤5322"
    if not _COURT_CODE.match(court_code):
        raise ConfigError(
            f"{PREFIX}COURT_CODE={court_code!r} is not a court code; "
            "use one Chinese character and four digits, e.g. 粤5322"
        )
    timezone = _get(env, "TIMEZONE") or "Asia/Shanghai"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{PREFIX}TIMEZONE={timezone!r} is not an IANA time zone such as Asia/Shanghai"
        ) from None
    production = broker_url is not None or database_url.startswith("postgresql")
    return Settings(
        database_url=database_url,
        broker_url=broker_url,
        secret_key=_secret_key(env, var_dir, needs_explicit=production),
        court_code=court_code,
        timezone=timezone,
        debug=_bool(env, "DEBUG", False),
        var_dir=var_dir,
        token_ttl_minutes=int(_number(env, "TOKEN_TTL_MINUTES", 600, int, 1)),
        asset_query_delay_seconds=_number(env, "ASSET_QUERY_DELAY_SECONDS", 2.0, float, 0),
        db_pool_size=int(_number(env, "DB_POOL_SIZE", 10, int, 1)),
        db_max_overflow=int(_number(env, "DB_MAX_OVERFLOW", 10, int, 0)),
        db_pool_timeout_seconds=_number(env, "DB_POOL_TIMEOUT_SECONDS", 20.0, float, 0.1),
        worker_shutdown_seconds=_number(env, "WORKER_SHUTDOWN_SECONDS", 10.0, float, 0),
        reconcile_seconds=_number(env, "RECONCILE_SECONDS", 15.0, float, 1),
        preservation_reconsideration_case_type=_reconsideration_case_type(env),
        max_body_bytes=int(_number(env, "MAX_BODY_BYTES", 1_048_576, int, 1024)),
        signin_free_failures=int(_number(env, "SIGNIN_FREE_FAILURES", 3, int, 0)),
        signin_lock_after=int(_number(env, "SIGNIN_LOCK_AFTER", 10, int, 1)),
        signin_address_free_failures=int(_number(env, "SIGNIN_ADDRESS_FREE_FAILURES", 10, int, 0)),
        signin_address_lock_after=int(_number(env, "SIGNIN_ADDRESS_LOCK_AFTER", 50, int, 1)),
        signin_lock_minutes=int(_number(env, "SIGNIN_LOCK_MINUTES", 15, int, 1)),
        signin_max_delay_seconds=int(_number(env, "SIGNIN_MAX_DELAY_SECONDS", 60, int, 1)),
        cors_origins=_origins(env),
        trusted_documents_only=_bool(env, "TRUSTED_DOCUMENTS_ONLY", False),
        demo_history=_bool(env, "DEMO_HISTORY", True),
    )


_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def _origins(env: Mapping[str, str]) -> tuple[str, ...]:
    """EXEC_CENTER_CORS_ORIGINS: comma-separated origins such as https://exec.court.example:8443."""
    raw = _get(env, "CORS_ORIGINS") or ""
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if origin == "*" or not _ORIGIN.fullmatch(origin):
            raise ConfigError(
                f"{PREFIX}CORS_ORIGINS: {origin!r} is not an origin; list scheme://host[:port] "
                "values separated by commas (no paths, no *)"
            )
    return origins


# The case types a court may file preservation reconsiderations under (see Settings).
# 执他 is left out: it has no closing methods yet, so its case could not close on the decision.
RECONSIDERATION_CASE_TYPES = ("ZHI_YI",)


def _reconsideration_case_type(env: Mapping[str, str]) -> str | None:
    raw = _get(env, "PRESERVATION_RECONSIDERATION_CASE_TYPE")
    if raw is None or raw == "" or raw.upper() == "NONE":
        return None
    if raw.upper() not in RECONSIDERATION_CASE_TYPES:
        raise ConfigError(
            f"{PREFIX}PRESERVATION_RECONSIDERATION_CASE_TYPE={raw!r}: use NONE (decided within the "
            "preservation case, the default) or ZHI_YI (执异); not ZHI_FU - 执复 "
            "numbers belong to the higher court (CPL 2023 art. 236)"
        )
    return raw.upper()


_BROKER_SCHEMES = ("redis://", "rediss://", "unix://", "amqp://", "amqps://")


def _broker_url(env: Mapping[str, str]) -> str | None:
    """EXEC_CENTER_BROKER_URL (Redis or RabbitMQ); EXEC_CENTER_REDIS_URL, its older name, still works."""
    broker_url = _get(env, "BROKER_URL") or None
    redis_url = _get(env, "REDIS_URL") or None
    if broker_url is not None and not broker_url.startswith(_BROKER_SCHEMES):
        raise ConfigError(
            f"{PREFIX}BROKER_URL must start with redis://, rediss://, unix:// (Redis) "
            "or amqp://, amqps:// (RabbitMQ)"
        )
    if redis_url is not None and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"{PREFIX}REDIS_URL must start with redis://, rediss:// or unix://")
    if broker_url and redis_url and broker_url != redis_url:
        raise ConfigError(
            f"{PREFIX}BROKER_URL and {PREFIX}REDIS_URL are both set and differ; "
            f"set only {PREFIX}BROKER_URL"
        )
    return broker_url or redis_url
