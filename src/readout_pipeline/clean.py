"""Fetched bytes -> clean, normalized readout text + metadata (pure functions).

Steps: ``is_cleanable`` (content-type + magic-byte sniffing) -> ``decode_body``
(deterministic charset choice) -> ``clean_html`` (trafilatura main text + metadata, then
``strip_residual_boilerplate``, then ``fingerprint.normalize_text``). ``clean_text`` is the
same residual pass for .txt/.md inputs.

``PARSER_VERSION`` is stored with every document; bump it whenever the output of these
functions changes for the same input, so ``reparse`` knows which rows are stale.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from urllib.parse import urljoin

from . import boilerplate as bp
from .fingerprint import normalize_text
from .metadata import page_metadata, text_date

__all__ = [
    "PARSER_VERSION",
    "CLEANABLE_TYPES",
    "CleanDoc",
    "is_cleanable",
    "decode_body",
    "clean_html",
    "clean_text",
    "strip_residual_boilerplate",
]

PARSER_VERSION = "clean-6"

CLEANABLE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})


@dataclass(frozen=True)
class CleanDoc:
    title: str | None
    text: str
    published_date: date | None
    author: str | None
    sitename: str | None
    language: str | None
    canonical_url: str | None


# --------------------------------------------------------------------------------------
# sniffing
# --------------------------------------------------------------------------------------

_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"PK\x03\x04",  # zip, docx, xlsx, odt, epub
    b"\x1f\x8b",  # gzip
    b"BZh",
    b"\xfd7zXZ\x00",  # xz
    b"(\xb5/\xfd",  # zstd
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # OLE2: .doc, .xls
    b"RIFF",  # webp, wav, avi
    b"\x00\x00\x01\x00",  # ico
    b"wOFF",
    b"wOF2",
)
_UNICODE_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_HTML_START = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.IGNORECASE)


def _mime(content_type: str | None) -> str:
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def is_cleanable(content_type: str | None, body: bytes) -> bool:
    """True only for HTML/XHTML/plain-text bodies that really are text.

    The label is checked first (``CLEANABLE_TYPES``; no label -> the body must sniff as
    HTML). The bytes then veto the label: PDF, image, archive or compressed magic bytes,
    or NUL bytes in the first KB (unless the body starts with a UTF-16/32 BOM), mean the
    body is not text whatever the server claimed. An empty body is not cleanable.
    """
    if not body or not body.strip():
        return False
    head = body[:1024]
    if head.startswith(_UNICODE_BOMS):
        # UTF-16/32 text legitimately contains NUL bytes; magic bytes cannot follow a BOM.
        pass
    else:
        stripped = head.lstrip()
        if any(head.startswith(m) or stripped.startswith(m) for m in _BINARY_MAGIC):
            return False
        if b"\x00" in head:
            return False
    mime = _mime(content_type)
    if mime:
        return mime in CLEANABLE_TYPES
    return _looks_like_html(body)


def _looks_like_html(body: bytes) -> bool:
    head = body[:2048]
    for bom, enc in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            head = head[2:].decode(enc, "ignore").encode("ascii", "ignore")
            break
    else:
        if head.startswith(b"\xef\xbb\xbf"):
            head = head[3:]
    head = head.lstrip()
    # Allow an XML declaration and comments before <!doctype html>/<html>.
    return _HTML_START.search(head[:1024]) is not None


# --------------------------------------------------------------------------------------
# decoding
# --------------------------------------------------------------------------------------

# WHATWG Encoding Standard: labels that browsers decode with a superset codec.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "x-mac-roman": "mac_roman",
}
_REJECTED_CODECS = {"utf_7", "utf-7"}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:+-]+)""", re.IGNORECASE
)


def _codec_for(label: str | None) -> str | None:
    """A Python text codec name for a charset label, or None when the label is bogus."""
    if not label:
        return None
    label = label.strip().strip("\"'").strip().lower()
    if not label:
        return None
    label = _CHARSET_ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _REJECTED_CODECS:
        return None
    return info.name


def decode_body(body: bytes, charset: str | None) -> str:
    """Decode a fetched body deterministically.

    Order: a byte-order mark; else a valid header ``charset``; else a ``<meta charset>``
    or ``<meta http-equiv=content-type>`` declaration in the first 4 KB (overridden by
    UTF-8 when it names a legacy charset but the non-ASCII bytes are valid UTF-8); else
    UTF-8 when the bytes decode strictly; else windows-1252. Legacy labels follow the
    WHATWG mapping (latin-1/ascii -> windows-1252, gb2312 -> gb18030, ...). Bogus labels are ignored. Undecodable
    bytes become U+FFFD, so this never raises and the same bytes always give the same
    text.
    """
    if not body:
        return ""
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(enc, errors="replace")
    # Python text codecs that are no web charset: they raise on ordinary bytes (idna,
    # punycode, undefined) or rewrite the text (backslash escapes); a label naming one is bogus.
    not_web = {"idna", "punycode", "undefined", "unicode_escape", "raw_unicode_escape"}

    def web_codec(label: str | None) -> str | None:
        name = _codec_for(label)
        return None if name is None or name.replace("-", "_") in not_web else name

    codec = web_codec(charset)
    if codec is None:
        m = _META_CHARSET.search(body[:4096])
        if m:
            codec = web_codec(m.group(1).decode("ascii", "ignore"))
            # A meta tag read as ASCII cannot declare a UTF-16/32 document.
            if codec and codec.startswith(("utf-16", "utf-32", "utf_16", "utf_32")):
                codec = "utf-8"
            # Pages re-saved as UTF-8 often keep their old legacy <meta charset>: non-ASCII
            # bytes that form valid UTF-8 are (almost) never legacy text, so UTF-8 wins.
            elif codec and codec != "utf-8" and not body.isascii():
                try:
                    return body.decode("utf-8")
                except UnicodeDecodeError:
                    pass
    if codec is not None:
        try:
            return body.decode(codec, errors="replace")
        except (UnicodeError, LookupError, ValueError, TypeError):
            pass  # a codec that cannot replace errors: decide as if there were no label
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


# --------------------------------------------------------------------------------------
# residual boilerplate pass
# --------------------------------------------------------------------------------------

_WORD = re.compile(r"\w+")
_TRAIL_PUNCT = " \t:.!?|»›>·•-–—*#"


def _words(line: str) -> int:
    return len(_WORD.findall(line))


def _is_consent_line(line: str, n: int | None = None) -> bool:
    if bp.CONSENT_LINE.match(line.strip(_TRAIL_PUNCT)):
        return True
    if (_words(line) if n is None else n) >= 60:
        return False
    if bp.CONSENT_PHRASE.search(line):
        return True
    return bool(
        bp.COOKIE_WORD.search(line) and bp.SITE_VOICE.search(line) and bp.CONSENT_VOCAB.search(line)
    )


def _is_widget_line(line: str, n: int | None = None) -> bool:
    # (the characters stripped are never word characters: `n` counts the core's words too)
    core = line.strip(_TRAIL_PUNCT + "()[]")
    if not core:
        return False
    if (_words(core) if n is None else n) > 12:
        return False
    return bool(
        bp.WIDGET_LINE.match(core)
        or bp.SHARE_LINE.match(core)
        or bp.SOCIAL_ONLY_LINE.match(core)
        or bp.UPDATED_LINE.match(core)
    )


def _is_breadcrumb(line: str, n: int | None = None) -> bool:
    if line.startswith("|") or (_words(line) if n is None else n) > 25:
        return False
    parts = [p for p in bp.BREADCRUMB_SEP.split(line) if p.strip()]
    if len(parts) < 2 or any(_words(p) > 6 for p in parts):
        return False
    if bp.BREADCRUMB_START.match(line):
        return True
    # Without a "Home" anchor only the unambiguous separators count, and at least 3 crumbs.
    strong = len(re.findall(r"\s(?:>|»|›|→)\s", line))
    return strong >= 2 and len(parts) >= 3 and not line.rstrip().endswith((".", "?", "!"))


def _is_link_header(line: str) -> bool:
    """A line made only of markdown links and separators (a nav/header line)."""
    links = bp.MD_LINK.findall(line)
    if not links:
        return False
    rest = bp.MD_LINK.sub("", line)
    if rest.strip(" \t|·•/>»›-–—,*") != "":
        return False
    if len(links) >= 2:
        return True
    text, target = links[0]
    text = text.strip()
    return (not text) or text == target or bool(bp.URLISH.match(text))


def _is_copyright(line: str, n: int | None = None) -> bool:
    return (_words(line) if n is None else n) <= 30 and bool(bp.COPYRIGHT_LINE.search(line))


def _is_call_to_action(line: str, n: int | None = None) -> bool:
    """Sign-up form small print, affiliate disclosures and short call-to-action, shop or
    account lines ("Add to cart", "Back to blog", "Sign up for our newsletter ...")."""
    n = _words(line) if n is None else n
    if n > 120:
        return False
    if bp.FORM_CONSENT.search(line) or (n <= 60 and bp.AFFILIATE_DISCLOSURE.search(line)):
        return True
    if n <= 40 and bp.READER_PITCH.search(line):
        return True
    core = line.strip(_TRAIL_PUNCT + "()[]")
    if n <= 25 and bp.TEASER_LINE.match(core):
        return True
    return n <= 20 and bool(bp.CTA_LINE.match(core))


def _is_junk_line(line: str) -> bool:
    s = line.strip()
    if not s:
        return False
    n = _words(s)  # counted once: every rule below is bounded by it
    return (
        bool(bp.SYMBOL_ONLY_LINE.match(s))
        or bool(bp.END_MARK_LINE.match(s))
        or _is_link_header(s)
        or _is_widget_line(s, n)
        or _is_consent_line(s, n)
        or _is_call_to_action(s, n)
        or _is_breadcrumb(s, n)
        or _is_copyright(s, n)
    )


def _is_contact_line(line: str) -> bool:
    """Short name/title/email/phone/url lines that make up a press-contact block."""
    s = line.strip()
    if not s:
        return True
    if bp.EMAIL.search(s) or bp.PHONE.search(s):
        return _words(s) <= 30
    if bp.MD_LINK.fullmatch(s) or bp.URLISH.match(s):
        return True
    # Names, job titles, office names: short, no sentence ending.
    return _words(s) <= 12 and not s.endswith(("?", "!"))


def _strip_contact_block(lines: list[str]) -> list[str]:
    """Drop a trailing press-contact block: a contact heading in the last lines followed
    only by short contact-like lines, at least one of which has an e-mail address, a
    phone number or a press role ("Press Officer", "Spokesperson")."""
    n = len(lines)
    lo = max(0, n - 15)
    for i in range(lo, n):
        s = lines[i].strip().strip("*_# ")
        if not bp.CONTACT_HEADING.match(s) or _words(s) > 40:
            continue
        tail = lines[i:]
        has_contact = any(
            bp.EMAIL.search(t) or bp.PHONE.search(t) or bp.PRESS_ROLE.search(t) for t in tail
        )
        heading_only = _words(re.sub(r"[\w.+-]+@[\w.-]+", " ", s)) <= 12
        if (
            has_contact
            and (heading_only or i == n - 1)
            and all(_is_contact_line(t) for t in tail[1:])
        ):
            return lines[:i]
    return lines


def strip_residual_boilerplate(text: str) -> str:
    """Remove page debris that survives main-text extraction, line by line.

    General rules only: consent-banner lines (short, consent vocabulary), share/print
    widgets, navigation aids, calls to action, shop and forum labels, related-article teaser
    lines ("Related: ..."), reader pitches (newsletter, "follow us on ...", account prompts,
    paywall and reader-funding notices), symbol-only lines and ``###``/``-30-`` trailers,
    "Begin text:"/"End text." markers, breadcrumbs, markdown link-header lines, copyright
    footers, and a trailing press-contact block. Whitespace is otherwise kept;
    callers normalize afterwards.
    """
    if not text:
        return ""
    lines = [line for line in text.splitlines() if not _is_junk_line(line)]
    lines = _strip_contact_block(_trim_blank_tail(_strip_preface(lines)))
    return "\n".join(_trim_blank_tail(lines))


def _is_kicker(line: str) -> bool:
    parts = [p for p in bp.KICKER_SEPARATORS.split(line.strip().strip("*_# ")) if p]
    return bool(parts) and _words(line) <= 12 and all(bp.KICKER_LABEL.match(p) for p in parts)


def _strip_preface(lines: list[str], window: int = 4) -> list[str]:
    """Drop a republication preface at the very top: kicker lines made only of office and
    document-type labels, and a sentence introducing the text ("The following statement was
    released by ..."), up to the first line of the text itself. Such a preface is what
    differs between republished copies."""
    for index, line in enumerate(lines[: window + 1]):
        stripped = line.strip()
        if stripped and not (_is_kicker(stripped) or bp.PREFACE_SENTENCE.match(stripped)):
            return lines[index:]
    return lines[window + 1 :] if len(lines) > window else lines


def _trim_blank_tail(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


# --------------------------------------------------------------------------------------
# plain text / markdown
# --------------------------------------------------------------------------------------

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_EMPH = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_HARD_BREAK = re.compile(r"(?:  +|\\)$")


def _demarkdown_line(line: str) -> str:
    m = _MD_HEADING.match(line)
    if m:
        line = m.group(1)
    line = bp.MD_LINK.sub(lambda mm: "" if mm.group(0).startswith("!") else mm.group(1), line)
    line = _MD_EMPH.sub(r"\2", line)
    return _MD_HARD_BREAK.sub("", line)


def clean_text(text: str, title: str | None = None) -> CleanDoc:
    """Clean a .txt/.md document: a leading markdown ``# Title`` line becomes the title
    (unless ``title`` is given; the line is removed either way), markdown link headers are
    dropped and light markdown (headings, bold, links) is reduced to text, then the
    residual pass and normalization run; a date written in the title or the text
    (``metadata.text_date``) is the publication date."""
    lines = (text or "").splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None:
        m = re.match(r"^\s{0,3}#\s+(.*?)\s*#*\s*$", lines[first])
        if m and m.group(1):
            title = title or normalize_text(_demarkdown_line(m.group(1))) or None
            lines = lines[first + 1 :]
    kept = [_demarkdown_line(line) for line in lines if not _is_link_header(line.strip())]
    body = normalize_text(strip_residual_boilerplate("\n".join(kept)))
    title = normalize_text(title) or None if title else None
    return CleanDoc(
        title=title,
        text=body,
        published_date=_parse_date(text_date(title, body)) if body else None,
        author=None,
        sitename=None,
        language=None,
        canonical_url=None,
    )


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------

_LANG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*$")


def _iso_lang(value: str | None) -> str | None:
    if not value:
        return None
    m = _LANG.match(value.strip())
    if not m:
        return None
    code = m.group(1).lower()
    return code if len(code) == 2 else None


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _canonical_url(tree, url: str | None) -> str | None:
    candidates = []
    for link in tree.iterfind(".//link[@href]"):
        rels = (link.get("rel") or "").lower().split()
        if "canonical" in rels:
            candidates.append(link.get("href"))
    if not candidates:
        for meta in tree.iterfind(".//meta[@content]"):
            if (meta.get("property") or meta.get("name") or "").strip().lower() == "og:url":
                candidates.append(meta.get("content"))
    for href in candidates:
        href = (href or "").strip()
        if not href or href.startswith(("javascript:", "data:", "#")):
            continue
        if url:
            href = urljoin(url, href)
        if href.startswith(("http://", "https://")):
            return href
    return None


def _html_lang(tree) -> str | None:
    root = tree.getroottree().getroot() if hasattr(tree, "getroottree") else tree
    for node in (root, root.find(".//body")):
        if node is not None:
            lang = _iso_lang(
                node.get("lang") or node.get("{http://www.w3.org/XML/1998/namespace}lang")
            )
            if lang:
                return lang
    for meta in root.iterfind(".//meta[@content]"):
        key = (meta.get("http-equiv") or meta.get("name") or meta.get("property") or "").lower()
        if key in {"content-language", "language", "og:locale", "dc.language"}:
            lang = _iso_lang(meta.get("content"))
            if lang:
                return lang
    return None


_SHORT_TEXT = 500  # characters of main text below which a recall-mode retry is tried

# Consent-manager dialogs and cookie bars, by the id/class vocabulary of the common consent
# platforms (OneTrust/Optanon, Cookiebot, Didomi, Usercentrics, Quantcast Choice, TrustArc,
# Complianz, CookieYes, iubenda, Termly, Osano, Borlabs, Sourcepoint, Funding Choices) and
# generic cookie/consent/GDPR banner names. Removed from the tree before extraction; a
# matching node that holds a heading or an article, or a lot of text, is kept (pages *about*
# cookies or consent carry such names on real content).
_CONSENT_NODE = (
    r"onetrust|optanon|cybotcookiebot|cookiebot|didomi|usercentrics|qc-cmp|trustarc|"
    r"(?<![a-z])(?:truste|termly|osano)(?![a-z])|"
    r"cmplz|cky-consent|iubenda|borlabs|sp_message|fc-consent|cookie-?law|"
    r"(?:cookie|consent|gdpr|privacy)[-_]?(?:banner|notice|bar|popup|pop-up|modal|dialog|"
    r"overlay|wall|consent|message|prompt|box|container|wrapper|layer|alert|info)|"
    r"cookies?[-_]?(?:accept|settings|preferences)|consent[-_]?(?:manager|management|sdk)"
)
_CONSENT_RE = re.compile(_CONSENT_NODE)
_CONSENT_TAGS = ("div", "section", "aside", "dialog", "form", "p", "span", "footer", "header")
_CONSENT_MAX_CHARS = 5000


def _remove_keeping_tail(node) -> None:
    """Remove ``node``; text that followed it stays where it was."""
    parent = node.getparent()
    tail = node.tail
    prev = node.getprevious()
    parent.remove(node)
    if tail and tail.strip():
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


@lru_cache(maxsize=8192)
def _consent_named(ident: str | None, names: str | None) -> bool:
    # Cached, as _chrome_named: a page repeats its class names thousands of times.
    return bool((ident and _CONSENT_RE.search(ident.lower())) or (names and _CONSENT_RE.search(names.lower())))


def _prune_consent_nodes(tree) -> None:
    """Remove consent-manager dialogs and cookie bars from ``tree`` (in place)."""
    # A tag-filtered walk in C and the regex in Python: an XPath re:test() per element costs
    # several times more.
    matches = [
        node
        for body in tree.xpath("//body")
        for node in body.iter(*_CONSENT_TAGS)
        if node is not body and _consent_named(node.get("id"), node.get("class"))
    ]
    for node in matches:
        if node.getparent() is None:
            continue
        if node.find(".//h1") is not None or node.find(".//article") is not None:
            continue
        if len("".join(node.itertext())) > _CONSENT_MAX_CHARS:
            continue
        _remove_keeping_tail(node)


# Page chrome around the main text: site navigation, site headers, footers and
# complementary regions, dialogs, and containers whose class/id names navigation, menus,
# breadcrumbs, newsletter or sign-up boxes, promotions and calls to action, top bars and
# tickers, pop-ups and overlays, and related/recommended/trending lists. Removed before
# extraction (trafilatura drops much of this in its own pass, but its fallbacks and its
# recall retry see the whole page). Guards: a node holding an <h1>, <article> or <main>, more
# than _CHROME_MAX_CHARS of text, or more than one paragraph-sized block (_CHROME_LONG_WORDS
# words or more) is content, whatever its name.
_CHROME_TOKEN = re.compile(
    r"(?<![a-z])(?:nav|menu|mega-?menu|drawer|breadcrumbs?|newsletters?|subscribe|subscription|"
    r"signup|sign-up|opt-?in|promo|cta|top-?bar|ticker|overlay|pop-?up|lightbox|dialog|related|"
    r"trending|read-next|recommended)(?![a-z])",
    re.IGNORECASE,
)
_CHROME_TAGS = (
    "div", "section", "aside", "ul", "ol", "form", "p", "dl", "header", "footer", "nav", "span",
    "li", "dialog",
)  # fmt: skip
_CHROME_ROLES = frozenset(
    {"navigation", "menubar", "search", "contentinfo", "complementary", "dialog", "alertdialog"}
)
_CHROME_MAX_CHARS = 5000
_CHROME_LONG_WORDS = 25
_CHROME_MIN_LEFT = 7  # at least 1/7 of the page's text must remain, else nothing is removed
_CONTENT_XPATH = None


def _content_xpaths():
    global _CONTENT_XPATH
    if _CONTENT_XPATH is None:
        from lxml.etree import XPath

        _CONTENT_XPATH = (
            XPath("boolean(.//h1 | .//article | .//main)"),
            XPath("string-length(.)"),
            # paragraph-sized blocks: _CHROME_LONG_WORDS words take at least 2n - 1 characters
            XPath(
                ".//*[self::p or self::li or self::dd or self::td or self::blockquote]"
                f"[string-length(.) >= {2 * _CHROME_LONG_WORDS - 1}]"
            ),
        )
    return _CONTENT_XPATH


def _chrome_candidate(node) -> bool:
    tag = node.tag
    role = node.get("role")
    role = role.strip().lower() if role else ""
    if tag == "header" or role == "banner":
        # A site header; an article's own header (inside <article>/<main>) is content.
        return not any(a.tag in ("article", "main") for a in node.iterancestors())
    if tag in ("nav", "dialog") or role in _CHROME_ROLES or node.get("aria-modal") == "true":
        return True
    names = node.get("class")
    ident = node.get("id")
    return bool((names or ident) and _chrome_named(names, ident))


@lru_cache(maxsize=8192)
def _chrome_named(names: str | None, ident: str | None) -> bool:
    # Cached: a page repeats its class names (one per list item, card, column) thousands of times.
    return bool((names and _CHROME_TOKEN.search(names)) or (ident and _CHROME_TOKEN.search(ident)))


def _looks_like_content(node) -> bool:
    has_main, text_length, long_blocks = _content_xpaths()
    if has_main(node) or text_length(node) > _CHROME_MAX_CHARS:
        return True
    blocks = 0
    for block in long_blocks(node):
        if len(_WORD.findall("".join(block.itertext()))) >= _CHROME_LONG_WORDS:
            blocks += 1
            if blocks > 1:
                return True
    return False


def _prune_chrome_nodes(tree) -> None:
    """Remove page chrome containers from ``tree`` (in place); see ``_CHROME_TOKEN``.

    A <button> wrapping block content (an unclosed <button> in the markup swallows the rest of
    the page when parsed) is unwrapped first: trafilatura drops buttons with their content.
    """
    bodies = tree.xpath("//body")
    for body in bodies:
        for button in list(body.iter("button")):
            if hasattr(button, "drop_tag") and any(
                button.find(f".//{tag}") is not None for tag in ("main", "article", "h1", "p")
            ):
                button.drop_tag()
    candidates = [
        node
        for body in bodies
        for node in body.iter(*_CHROME_TAGS)
        if node is not body and _chrome_candidate(node)
    ]
    chosen: list = []
    chosen_set: set = set()
    for node in candidates:  # document order: a chosen ancestor comes first
        if any(a in chosen_set for a in node.iterancestors()) or _looks_like_content(node):
            continue
        chosen.append(node)
        chosen_set.add(node)
    if not chosen:
        return
    # Like trafilatura's own pruning: nothing goes when the chrome would be nearly the whole
    # page (a page built from chrome-named containers, e.g. a product list inside a menu).
    text_length = _content_xpaths()[1]
    total = sum(text_length(body) for body in bodies)
    if total - sum(text_length(node) for node in chosen) < total / _CHROME_MIN_LEFT:
        return
    for node in chosen:
        _remove_keeping_tail(node)


def _extract(bare_extraction, tree, url: str | None, *, favor_recall: bool):
    from .readability_bound import bounded_comparison

    try:
        with bounded_comparison():  # same result, without readability runs that cannot change it
            return bare_extraction(
                tree,
                url=url,
                with_metadata=False,  # metadata.page_metadata reads the fields stored, at half the cost
                # Comments are kept: trafilatura's comment detection also catches answers and
                # forum posts that are the page's content; comment chrome goes line by line.
                include_comments=True,
                include_tables=True,
                favor_recall=favor_recall,
            )
    except (TypeError, ValueError):
        return None


def clean_html(html: str, url: str | None = None) -> CleanDoc | None:
    """Main text + metadata of an HTML page, or None when it has no main text.

    Consent-manager dialogs are pruned from the tree; trafilatura in its default balanced
    mode (comments and tables included; it retries short extractions in recall mode
    itself) finds the main text and the metadata; a page still yielding under ``_SHORT_TEXT`` characters is
    retried once in recall mode, kept when it finds more; ``strip_residual_boilerplate``
    then removes what it kept of banners, widgets, calls to action and contact blocks;
    the text is normalized.
    """
    from .trafilatura_speedups import active

    with active():  # the same results at less CPU (trafilatura_speedups.py)
        return _clean_html(html, url)


def _clean_html(html: str, url: str | None) -> CleanDoc | None:
    if not html or not html.strip():
        return None
    from trafilatura import bare_extraction
    from trafilatura.utils import load_html

    try:
        tree = load_html(html)
    except (TypeError, ValueError):
        tree = None
    if tree is None:
        return None
    canonical = _canonical_url(tree, url)
    page_lang = _html_lang(tree)
    _prune_consent_nodes(tree)
    meta = page_metadata(tree, url)  # before extraction, which prunes the tree
    _prune_chrome_nodes(tree)  # after the metadata: site headers hold dates and bylines
    doc = _extract(bare_extraction, tree, url, favor_recall=False)
    if doc is None or len(doc.text or "") < _SHORT_TEXT:
        # Little or nothing found: one retry in recall mode, kept only if it finds more.
        retry = _extract(bare_extraction, tree, url, favor_recall=True)
        if retry is not None and len(retry.text or "") > len((doc.text if doc else "") or ""):
            doc = retry
    if doc is None or not doc.text:
        return None
    text = normalize_text(strip_residual_boilerplate(doc.text))
    if not text:
        return None
    title = normalize_text(meta.title or "") or None
    return CleanDoc(
        title=title,
        text=text,
        published_date=_parse_date(meta.date or text_date(title, text)),
        author=normalize_text(meta.author or "") or None,
        sitename=normalize_text(meta.sitename or "") or None,
        language=_iso_lang(getattr(doc, "language", None)) or page_lang,
        canonical_url=canonical,
    )
