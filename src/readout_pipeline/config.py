"""Typed configuration: `Settings` (how to run) and `Source` (what to crawl), loaded once.

`sources.toml` holds a `[settings]` table (all optional) and `[[sources]]` entries. Environment
variables override settings: READOUT_DB (published warehouse path), READOUT_WAREHOUSE_DIR,
READOUT_SOURCES (the TOML file). Unknown keys and wrong types are errors, reported in one line.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError

DEFAULT_SOURCES_FILE = "sources.toml"
DEFAULT_WAREHOUSE_DIR = "warehouse"
DEFAULT_DB_NAME = "readouts.duckdb"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Politeness(_Strict):
    """Per-source overrides of the fetch policy."""

    concurrency: int | None = Field(default=None, ge=1, le=4)
    min_delay_seconds: float | None = Field(default=None, ge=0, le=600)


class Listing(_Strict):
    url: str
    link_pattern: str
    next_pattern: str | None = None
    max_pages: int = Field(default=5, ge=1, le=10_000)

    @field_validator("link_pattern", "next_pattern")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from exc
        return value


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value


class Source(_Strict):
    """One official publisher. Everything about it is data; no per-site code."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str
    home: str
    feeds: list[str] = []
    sitemaps: list[str] = []
    robots_sitemaps: bool = False
    listings: list[Listing] = []
    pages: list[str] = []
    include: list[str] = []
    exclude: list[str] = []
    keywords: list[str] = []
    politeness: Politeness = Politeness()
    enabled: bool = True

    @field_validator("home")
    @classmethod
    def _home(cls, value: str) -> str:
        if value.startswith("file:///"):  # saved-files pseudo-source of backfill --from-dir
            return value
        return _check_http_url(value)

    @field_validator("feeds", "sitemaps", "pages")
    @classmethod
    def _urls(cls, values: list[str]) -> list[str]:
        return [_check_http_url(v) for v in values]

    @field_validator("include", "exclude")
    @classmethod
    def _regexes(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from exc
        return values

    @property
    def hosts(self) -> set[str]:
        urls = [self.home, *self.feeds, *self.sitemaps, *self.pages, *(li.url for li in self.listings)]
        return {urlsplit(u).hostname or "" for u in urls} - {""}

    def is_relevant(self, title: str | None, text: str) -> bool:
        """The keyword relevance filter: no keywords means everything is relevant."""
        if not self.keywords:
            return True
        haystack = f"{title or ''}\n{text}".casefold()
        return any(k.casefold() in haystack for k in self.keywords)


class Settings(_Strict):
    """How the pipeline runs. Defaults are production-safe."""

    warehouse_dir: Path = Path(DEFAULT_WAREHOUSE_DIR)
    db_path: Path | None = None  # published file; default <warehouse_dir>/readouts.duckdb
    user_agent: str = "readout_pipeline/0.1"
    contact_url: str = "https://github.com/readout-pipeline/readout_pipeline"
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=20.0, gt=0)
    total_deadline: float = Field(default=60.0, gt=0)
    max_bytes: int = Field(default=10_000_000, ge=1024)
    max_attempts: int = Field(default=4, ge=1, le=10)
    backoff_base: float = Field(default=1.0, ge=0)
    backoff_cap: float = Field(default=30.0, ge=0)
    retry_after_cap: float = Field(default=120.0, ge=0)
    per_host_concurrency: int = Field(default=2, ge=1, le=4)
    global_concurrency: int = Field(default=16, ge=1, le=256)
    min_delay_seconds: float = Field(default=1.0, ge=0)
    obey_robots: bool = True
    recheck_after_hours: float = Field(default=24.0, ge=0)
    max_listing_pages: int = Field(default=5, ge=1)
    batch_size: int = Field(default=200, ge=1, le=10_000)
    clean_workers: int = Field(default=0, ge=0, le=64)  # 0 = one per CPU core
    parse_timeout_seconds: float = Field(default=30.0, gt=0)  # per page, in a worker process
    parse_memory_mb: int = Field(default=2048, ge=256)  # address-space limit of a worker process
    # DuckDB memory of the single writer (SET memory_limit); beyond it DuckDB spills to disk. Without
    # it, building the search index over 100,000 documents took 1.5 GB; with 256 MB, 0.4 GB.
    db_memory_mb: int = Field(default=256, ge=64)
    schedule_cron: str = "0 */4 * * *"
    extra_allowed_hosts: list[str] = []  # private-address hosts allowed besides source hosts

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if self.db_path is None:
            object.__setattr__(self, "db_path", self.warehouse_dir / DEFAULT_DB_NAME)
        return self

    @property
    def published_db(self) -> Path:
        assert self.db_path is not None
        return self.db_path

    @property
    def work_db(self) -> Path:
        return self.warehouse_dir / ".work" / self.published_db.name

    @property
    def archive_dir(self) -> Path:
        return self.warehouse_dir / "raw"

    @property
    def full_user_agent(self) -> str:
        return f"{self.user_agent} (+{self.contact_url})"


Kind = Literal["feed", "sitemap", "listing", "page"]


class Config(_Strict):
    settings: Settings = Settings()
    sources: list[Source] = []

    @model_validator(mode="after")
    def _unique_ids(self) -> Config:
        seen: set[str] = set()
        for source in self.sources:
            if source.id in seen:
                raise ValueError(f"duplicate source id {source.id!r}")
            seen.add(source.id)
        return self

    def select(self, ids: list[str] | None) -> list[Source]:
        if not ids:
            return [s for s in self.sources if s.enabled]
        known = {s.id: s for s in self.sources}
        missing = [i for i in ids if i not in known]
        if missing:
            raise ConfigError(
                f"unknown source id(s): {', '.join(missing)} (known: {', '.join(sorted(known))})"
            )
        return [known[i] for i in ids]

    @property
    def allowed_hosts(self) -> frozenset[str]:
        hosts: set[str] = set(self.settings.extra_allowed_hosts)
        for source in self.sources:
            hosts |= source.hosts
        return frozenset(hosts)


def adhoc_source(url: str, kind: Kind) -> Source:
    """A one-off source for `readout ingest --source-url URL --kind …`."""
    try:
        _check_http_url(url)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    parts = urlsplit(url)
    home = f"{parts.scheme}://{parts.netloc}/"
    host_id = re.sub(r"[^a-z0-9]+", "-", (parts.hostname or "adhoc").lower()).strip("-")[:50]
    fields: dict = {"id": f"adhoc-{host_id}", "name": f"ad hoc: {parts.netloc}", "home": home}
    if kind == "feed":
        fields["feeds"] = [url]
    elif kind == "sitemap":
        fields["sitemaps"] = [url]
    elif kind == "listing":
        prefix = re.escape(f"{parts.scheme}://{parts.netloc}")
        fields["listings"] = [{"url": url, "link_pattern": f"^{prefix}/.+"}]
    else:
        fields["pages"] = [url]
    return Source(**fields)


def _format_validation_error(path: Path | str, exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top level)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{path}: {where}: {first['msg']}{more}"


def load_config(
    path: Path | str | None = None,
    *,
    overrides: dict | None = None,
    env: dict[str, str] | None = None,
) -> Config:
    """Read sources.toml (or READOUT_SOURCES), apply environment and CLI overrides, validate."""
    env = dict(os.environ) if env is None else env
    file = Path(path or env.get("READOUT_SOURCES") or DEFAULT_SOURCES_FILE)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {file}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{file}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror}") from None
    settings = dict(raw.get("settings", {}))
    if env.get("READOUT_WAREHOUSE_DIR"):
        settings["warehouse_dir"] = env["READOUT_WAREHOUSE_DIR"]
    if env.get("READOUT_DB"):
        settings["db_path"] = env["READOUT_DB"]
    settings.update({k: v for k, v in (overrides or {}).items() if v is not None})
    if "db_path" in settings and "warehouse_dir" not in raw.get("settings", {}):
        settings.setdefault("warehouse_dir", str(Path(settings["db_path"]).parent))
    raw["settings"] = settings
    try:
        return Config(**raw)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(file, exc)) from None


def config_from_sources(sources: list[Source], **settings) -> Config:
    """Build a Config in code (demo, tests)."""
    try:
        return Config(settings=Settings(**settings), sources=sources)
    except ValidationError as exc:
        raise ConfigError(_format_validation_error("settings", exc)) from None
