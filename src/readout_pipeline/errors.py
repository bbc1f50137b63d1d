"""The few typed exceptions the pipeline raises. The CLI prints them as one line."""


def one_line(value: object, limit: int | None = None) -> str:
    """``str(value)`` with every run of whitespace (newlines too) as one space, at most `limit` characters."""
    return " ".join(str(value).split())[:limit]


class ReadoutError(Exception):
    """Base class: a failure the user can act on, reported as one line."""


class ConfigError(ReadoutError):
    """sources.toml, environment or CLI input is invalid."""


class FetchError(ReadoutError):
    """A network fetch failed in a way the caller must know about."""


class ExtractionError(ReadoutError):
    """Cleaning or structured extraction failed for a document."""


class WarehouseError(ReadoutError):
    """The DuckDB warehouse cannot be opened, written or published."""
