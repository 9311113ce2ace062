"""Settings: one module, read from the environment with the GRIDSVC_ prefix."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything gridsvc can be configured with."""

    model_config = SettingsConfigDict(env_prefix="GRIDSVC_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of an external PostGIS; unset = the embedded cluster",
    )
    home: Path = Field(default=Path(".gridsvc"), description="State directory")
    pg_dir: Path | None = Field(default=None, description="Embedded cluster data directory")
    pg_bindir: Path | None = Field(default=None, description="PostgreSQL binaries directory")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(
        default=1,
        ge=1,
        description="API worker processes of `gridsvc serve` (camera-event throughput grows "
        "with them; rate limits and caches are per process)",
    )
    default_district: str = "530302"
    api_title: str = "gridsvc"
    db_pool_size: int = 10
    h3_resolution: int = Field(default=11, ge=7, le=13, description="H3 index resolution")
    key_cache_seconds: float = Field(
        default=5.0, ge=0, description="How long a checked API key is trusted without a query"
    )
    session_secret: str | None = Field(
        default=None,
        description="Key signing session cookies; unset = a random one kept in GRIDSVC_HOME",
    )
    pii_key: str | None = Field(
        default=None,
        description="Key sealing personal data (base64 of 32 bytes); unset = a random one "
        "kept in GRIDSVC_HOME/pii-key. Back it up: sealed values cannot be read without it",
    )
    session_hours: float = Field(default=12.0, gt=0, description="Lifetime of a login session")
    cookie_secure: Literal["auto", "true", "false"] = Field(
        default="auto",
        description="Secure flag of the session cookie; auto = when the browser uses HTTPS",
    )
    trusted_origins: str = Field(
        default="",
        description="Comma-separated origins (https://host[:port]) also allowed to send "
        "state-changing requests with the session cookie",
    )
    trusted_proxies: str = Field(
        default="127.0.0.1,::1",
        description="Comma-separated addresses of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto headers are believed",
    )
    basemap: str = Field(
        default="none",
        description="none | osm | tianditu | amap | dir:/path/{z}/{x}/{y}.png | mbtiles:/path",
    )
    basemap_key: str | None = Field(default=None, description="API key of an online basemap")
    tile_cache_entries: int = Field(default=20_000, description="Vector tiles kept in memory")
    locate_max_points: int = Field(default=1_000_000, description="Points per locate request")
    max_upload_bytes: int = Field(
        default=200 * 1024**2, gt=0, description="Largest boundary upload (bytes of the body)"
    )
    max_ingest_bytes: int = Field(
        default=2 * 1024**3, gt=0, description="Largest element file upload (bytes of the body)"
    )
    max_locate_bytes: int = Field(
        default=64 * 1024**2, gt=0, description="Largest locate or aggregate body (bytes)"
    )
    max_body_bytes: int = Field(
        default=1024**2, gt=0, description="Largest body of any other request (bytes)"
    )
    body_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Longest wait for the next chunk of a request body"
    )
    body_deadline_seconds: float = Field(
        default=600.0, gt=0, description="Longest time to receive a whole request body"
    )
    zip_max_members: int = Field(default=100, gt=0, description="Files in one uploaded zip")
    zip_max_uncompressed_bytes: int = Field(
        default=1024**3, gt=0, description="Total uncompressed size of a zip's files (bytes)"
    )
    zip_max_ratio: float = Field(
        default=200.0, gt=1, description="Largest compression ratio of a file in a zip"
    )

    camera_event_retention_days: int = Field(
        default=30, ge=1, description="Days camera events are kept (whole daily partitions)"
    )
    camera_batch_max_items: int = Field(
        default=5_000, gt=0, description="Events in one camera-event request"
    )
    max_camera_event_bytes: int = Field(
        default=16 * 1024**2, gt=0, description="Largest camera-event batch body (bytes)"
    )
    camera_events_per_second: float = Field(
        default=50_000.0,
        gt=0,
        description="Events per second one key may push (sustained; bursts of twice that)",
    )
    camera_picture_max_bytes: int = Field(
        default=4 * 1024**2, gt=0, description="Largest picture sent with a camera event"
    )
    camera_offline_after_seconds: float = Field(
        default=180.0,
        gt=0,
        description="A camera with no event or heartbeat for this long is offline",
    )
    camera_online_after_seconds: float = Field(
        default=20.0,
        ge=0,
        description="An offline camera is online again after this long of unbroken sightings",
    )
    camera_sweep_seconds: float = Field(
        default=5.0, gt=0, description="How often camera health is re-evaluated"
    )

    def environment(self) -> dict[str, str]:
        """These settings as GRIDSVC_ variables, for processes that read their own."""
        out = {}
        for name, value in self.model_dump().items():
            if value is not None:
                out[f"GRIDSVC_{name.upper()}"] = str(value)
        return out

    @property
    def trusted_origin_list(self) -> tuple[str, ...]:
        """``trusted_origins`` split on commas."""
        return tuple(o.strip() for o in self.trusted_origins.split(",") if o.strip())

    @property
    def trusted_proxy_set(self) -> frozenset[str]:
        """``trusted_proxies`` split on commas."""
        return frozenset(p.strip() for p in self.trusted_proxies.split(",") if p.strip())

    @property
    def embedded_dir(self) -> Path:
        """Data directory of the embedded PostgreSQL cluster."""
        return (self.pg_dir or self.home / "pg").resolve()


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once; tests call `get_settings.cache_clear()`."""
    return Settings()
