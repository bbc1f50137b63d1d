"""Load the demo site's content: one folder per publisher under `content/`.

`content/<key>/site.toml` describes the publisher (name, theme, navigation, footer, robots rule,
URL pattern); every other `content/<key>/*.md` file is one article: a TOML front matter block
between `+++` lines, then the body (paragraphs separated by blank lines, `## ` headings and
`- ` bullet lists). Articles may carry `[[edits]]` (text replaced from a given site revision on)
or `republish_of = "<key>/<slug>"` (the body is taken verbatim from another publisher's article).
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

CONTENT_DIR = Path(__file__).parent / "content"
PUBLISHER_ORDER = ("valdoria", "coalition", "norland")
READOUT_KINDS = frozenset({"readout", "joint-statement", "communique"})


@dataclass(frozen=True)
class Edit:
    revision: int
    modified: datetime
    old: str
    new: str


@dataclass(frozen=True)
class Article:
    publisher: str
    slug: str
    path: str
    title: str
    published: datetime
    kind: str
    location: str
    summary: str
    body: str
    in_feed: bool = True
    listed: bool = True
    edits: tuple[Edit, ...] = ()
    republish_of: str | None = None
    preface: str | None = None

    def body_at(self, revision: int) -> str:
        body = self.body
        for edit in self.edits:
            if revision >= edit.revision:
                body = body.replace(edit.old, edit.new)
        return body

    def modified_at(self, revision: int) -> datetime | None:
        """The latest edit date in effect at `revision` (None if never edited by then)."""
        dates = [e.modified for e in self.edits if revision >= e.revision]
        return max(dates) if dates else None

    def last_modified(self, revision: int) -> datetime:
        return self.modified_at(revision) or self.published

    @property
    def is_readout(self) -> bool:
        return self.kind in READOUT_KINDS


@dataclass(frozen=True)
class Publisher:
    key: str
    name: str
    short_name: str
    theme: str
    tagline: str
    description: str
    article_path: str
    section_title: str
    section_path: str
    robots_disallow: str
    robots_modified: datetime
    related_title: str
    nav: tuple[tuple[str, str], ...]
    related: tuple[tuple[str, str], ...]
    contacts: tuple[str, ...]
    legal: tuple[tuple[str, str], ...]
    feed_items: int = 10
    per_page: int = 4
    source: dict = field(default_factory=dict, hash=False, compare=False)
    articles: tuple[Article, ...] = field(default=())  # newest first

    def article_by_path(self, path: str) -> Article | None:
        for article in self.articles:
            if article.path == path:
                return article
        return None

    def disallowed(self, path: str) -> bool:
        return path.startswith(self.robots_disallow)

    @property
    def public_articles(self) -> tuple[Article, ...]:
        """Articles a crawler may fetch (not under the robots.txt Disallow rule)."""
        return tuple(a for a in self.articles if not self.disallowed(a.path))


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _split_front_matter(text: str, file: Path) -> tuple[dict, str]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "+++":
        raise ValueError(f"{file}: missing +++ front matter")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "+++")
    except StopIteration:
        raise ValueError(f"{file}: unterminated front matter") from None
    meta = tomllib.loads("\n".join(lines[1:end]))
    body = "\n".join(lines[end + 1 :]).strip()
    return meta, body


_ARTICLE_KEYS = {
    "title", "date", "location", "kind", "summary", "path", "in_feed", "listed", "edits",
    "republish_of", "preface", "slug",
}  # fmt: skip


def _load_article(key: str, pattern: str, file: Path) -> Article:
    meta, body = _split_front_matter(file.read_text(encoding="utf-8"), file)
    unknown = set(meta) - _ARTICLE_KEYS
    if unknown:
        raise ValueError(f"{file}: unknown front matter keys {sorted(unknown)}")
    published = _utc(meta["date"])
    slug = meta.get("slug") or file.stem[11:]  # drop the YYYY-MM-DD- prefix
    path = meta.get("path") or pattern.format(
        year=f"{published.year:04d}", month=f"{published.month:02d}", slug=slug
    )
    edits = tuple(
        Edit(int(e["revision"]), _utc(e["modified"]), e["old"], e["new"])
        for e in meta.get("edits", [])
    )
    for edit in edits:
        if body.count(edit.old) != 1:
            raise ValueError(f"{file}: edit text must occur exactly once in the body")
    return Article(
        publisher=key,
        slug=slug,
        path=path,
        title=meta["title"],
        published=published,
        kind=meta["kind"],
        location=meta["location"],
        summary=meta["summary"],
        body=body,
        in_feed=meta.get("in_feed", True),
        listed=meta.get("listed", True),
        edits=edits,
        republish_of=meta.get("republish_of"),
        preface=meta.get("preface"),
    )


@functools.cache
def load_publishers(root: Path = CONTENT_DIR) -> dict[str, Publisher]:
    """All publishers keyed by folder name, in PUBLISHER_ORDER, articles newest first."""
    raw: dict[str, tuple[dict, list[Article]]] = {}
    keys = [k for k in PUBLISHER_ORDER if (root / k).is_dir()]
    keys += sorted(p.name for p in root.iterdir() if p.is_dir() and p.name not in keys)
    for key in keys:
        site = tomllib.loads((root / key / "site.toml").read_text(encoding="utf-8"))
        articles = [
            _load_article(key, site["article_path"], f) for f in sorted((root / key).glob("*.md"))
        ]
        raw[key] = (site, articles)
    by_ref = {f"{a.publisher}/{a.slug}": a for _, arts in raw.values() for a in arts}
    publishers: dict[str, Publisher] = {}
    for key, (site, articles) in raw.items():
        resolved = []
        for article in articles:
            if article.republish_of:
                original = by_ref[article.republish_of]
                article = dataclasses.replace(article, body=original.body)
            resolved.append(article)
        resolved.sort(key=lambda a: (a.published, a.path), reverse=True)
        publishers[key] = Publisher(
            key=key,
            name=site["name"],
            short_name=site["short_name"],
            theme=site["theme"],
            tagline=site["tagline"],
            description=site["description"],
            article_path=site["article_path"],
            section_title=site["section_title"],
            section_path=site["section_path"],
            robots_disallow=site["robots_disallow"],
            robots_modified=_utc(site["robots_modified"]),
            related_title=site["related_title"],
            nav=tuple(tuple(x) for x in site["nav"]),
            related=tuple(tuple(x) for x in site["related"]),
            contacts=tuple(site["contacts"]),
            legal=tuple(tuple(x) for x in site["legal"]),
            feed_items=site.get("feed_items", 10),
            per_page=site.get("per_page", 4),
            source=site.get("source", {}),
            articles=tuple(resolved),
        )
    return publishers
