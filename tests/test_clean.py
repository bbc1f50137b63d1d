"""Tests for readout_pipeline.clean: sniffing, decoding, residual pass, HTML/text cleaning.

The real-data tests read ../shared (or $READOUT_SHARED) and skip when it is absent.
"""

from __future__ import annotations

import gzip
import os
import re
from datetime import date
from pathlib import Path

import pytest

from readout_pipeline.clean import (
    CLEANABLE_TYPES,
    PARSER_VERSION,
    CleanDoc,
    clean_html,
    clean_text,
    decode_body,
    is_cleanable,
    strip_residual_boilerplate,
)
from readout_pipeline.fingerprint import content_hash, normalize_text

FIXTURES = Path(__file__).parent / "fixtures" / "clean"
SHARED = Path(os.environ.get("READOUT_SHARED") or Path(__file__).resolve().parents[2] / "shared")
needs_shared = pytest.mark.skipif(
    not (SHARED / "seeds").is_dir(),
    reason=f"shared reference data not found at {SHARED} (set READOUT_SHARED)",
)

BODY_SENTENCES = [
    "The Foreign Minister spoke today with the Foreign Minister of Norland about the security "
    "situation in the Eastern Sea region",
    "agreed that their governments would coordinate humanitarian assistance",
    "the accession of Westmark to the regional development bank",
    "They agreed to meet in person on the margins of the General Assembly in September.",
]


def test_api_constants():
    assert isinstance(PARSER_VERSION, str) and PARSER_VERSION
    assert {"text/html", "application/xhtml+xml", "text/plain"} == set(CLEANABLE_TYPES)


# --- is_cleanable ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/html; charset=utf-8", b"<!doctype html><html><body>x</body></html>", True),
        ("application/xhtml+xml", b"<?xml version='1.0'?><html><body>x</body></html>", True),
        ("text/plain", b"A plain readout.", True),
        ("TEXT/HTML", b"<html><body>x</body></html>", True),
        ("text/html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", False),
        ("text/html", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03<html>", False),
        ("text/html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", False),
        ("text/html", b"\xff\xd8\xff\xe0\x00\x10JFIF", False),
        ("text/html", b"GIF89a\x01\x00", False),
        ("text/html", b"PK\x03\x04\x14\x00\x06\x00", False),
        ("text/html", b"<html>\x00\x00binary junk</html>", False),
        ("image/png", b"\x89PNG\r\n\x1a\n", False),
        ("image/png", b"<html><body>x</body></html>", False),
        ("application/pdf", b"%PDF-1.4", False),
        ("application/json", b'{"a": 1}', False),
        ("text/plain", b"", False),
        (None, b"  <!DOCTYPE html><html><body>x</body></html>", True),
        (None, b"\xef\xbb\xbf<html lang='en'><body>x</body></html>", True),
        (None, b"<?xml version='1.0'?>\n<!-- c -->\n<html><body>x</body></html>", True),
        (None, b"just some words", False),
        (None, b"%PDF-1.4 <html>", False),
        ("", b"<html><body>x</body></html>", True),
    ],
)
def test_is_cleanable(content_type, body, expected):
    assert is_cleanable(content_type, body) is expected


def test_is_cleanable_utf16_with_bom_is_not_vetoed_by_nul_bytes():
    body = "\ufeff<html><body>Readout</body></html>".encode("utf-16-le")
    assert b"\x00" in body[:1024]
    assert is_cleanable("text/html", body) is True
    assert is_cleanable(None, body) is True


# --- decode_body ----------------------------------------------------------------------


def test_decode_bom_wins_over_header():
    body = b"\xef\xbb\xbfCaf\xc3\xa9"
    assert decode_body(body, "iso-8859-1") == "Café"
    assert decode_body("\ufeffCafé".encode("utf-16-le"), "utf-8") == "Café"
    assert decode_body("\ufeffCafé".encode("utf-16-be"), None) == "Café"


def test_decode_header_charset_wins_over_meta():
    body = '<meta charset="utf-8"><p>Caf\u00e9</p>'.encode("cp1252")
    assert decode_body(body, "windows-1252") == '<meta charset="utf-8"><p>Café</p>'


def test_decode_meta_charset_and_http_equiv():
    text = "<p>Ministère des affaires étrangères</p>"
    body = b'<html><head><meta charset="iso-8859-1"></head>' + text.encode("latin-1")
    assert text in decode_body(body, None)
    body = (
        b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
        + "Министерство".encode("cp1251")
    )
    assert "Министерство" in decode_body(body, None)


def test_decode_legacy_meta_but_valid_utf8_bytes():
    body = '<meta charset="windows-1251"><p>Министерство</p>'.encode()
    assert "Министерство" in decode_body(body, None)


def test_decode_bogus_charset_is_ignored():
    body = "Déclaration".encode()
    assert decode_body(body, "no-such-charset") == "Déclaration"
    assert decode_body(body, "base64") == "Déclaration"  # a bytes codec, not a charset
    assert decode_body(b'<meta charset="x-bogus">caf\xc3\xa9', None).endswith("café")


def test_decode_windows_1252_curly_quotes():
    body = b"The minister said \x93we stand together\x94 \x96 and left."
    assert (
        decode_body(body, None)
        == "The minister said \u201cwe stand together\u201d \u2013 and left."
    )
    assert decode_body(body, "iso-8859-1") == decode_body(body, None)  # WHATWG: latin-1 = 1252


def test_decode_is_deterministic_and_never_raises():
    body = b"\x93quoted\x94 \xff\xfe\x00 \x81 caf\xc3\xa9"
    texts = {decode_body(body, cs) for cs in (None, None, "utf-8", "bogus")}
    assert len({decode_body(body, None) for _ in range(3)}) == 1
    assert all(isinstance(t, str) for t in texts)
    assert content_hash(decode_body(body, None)) == content_hash(decode_body(bytes(body), None))
    assert decode_body(b"", "utf-8") == ""


# --- strip_residual_boilerplate -------------------------------------------------------

REAL_SENTENCE = (
    "The ministers discussed the situation in the region and agreed to share information on "
    "foreign terrorist fighters and to print a joint statement."
)


@pytest.mark.parametrize(
    "line",
    [
        "This website uses cookies to improve your experience, We'll assume you're ok with this, "
        "but you can opt-out if you wish. Accept Read More",
        "We use cookies to give you the best experience on our website.",
        "By continuing to browse this site you agree to our use of cookies.",
        "Accept all cookies",
        "Manage cookie preferences",
        "Privacy settings",
        "Cookie policy",
        "We value your privacy",
        "Share this",
        "Share on Facebook",
        "Share on X",
        "Share on LinkedIn",
        "Share via Email",
        "Facebook Twitter LinkedIn Email",
        "Print this page",
        "Copy link",
        "###",
        "* * *",
        "-30-",
        "Begin text:",
        "End text.",
        "Back to top",
        "Skip to main content",
        "Home > News > Readouts",
        "Home / Newsroom / Statements / 2024",
        "[Home](https://example.org/) | [News](https://example.org/news)",
        " [example.org/en/news/2021/06/statement.html](https://example.org/en/news/2021/06/statement.html)",
        "© 2024 Ministry of Foreign Affairs. All rights reserved.",
        "Sign up for our newsletter",
        # calls to action, sign-up small print, shop and account chrome (clean-3)
        "Sign up for our newsletter for the best of the week.",
        "Get the best stories delivered to your inbox weekly",
        "By signing up, you agree to our Privacy Policy & Terms and Conditions.",
        "For more information, please see our Privacy Policy.",
        "As an Amazon Associate we earn from qualifying purchases.",
        "Back to blog",
        "Add to cart",
        "Out of stock",
        "Get started today",
        "Book a demo",
        "Create an account or sign in to comment",
        "You are not logged in.",
        "- 11 min read",
    ],
)
def test_residual_drops_boilerplate_lines(line):
    out = strip_residual_boilerplate(f"{REAL_SENTENCE}\n{line}\nThe meeting ended at noon.")
    assert line.strip() not in out
    assert REAL_SENTENCE in out
    assert "The meeting ended at noon." in out


@pytest.mark.parametrize(
    "line",
    [
        REAL_SENTENCE,
        "Ministers agreed to share the burden of stabilization costs in liberated areas.",
        "The regulation will make it easier for users to refuse cookies, MEPs said.",
        "The draft lets users reject tracking cookies as easily as they accept them, which the "
        "rapporteur called a clear improvement for consumers across the Union.",
        "It makes the cookie cutter crossovers that dominate our roads look cramped.",
        "The contacts between the two delegations will continue next month.",
        "Printing of the final communiqué was delayed until the afternoon session.",
        "Home affairs ministers met in Brussels to discuss border security.",
        "The ministers agreed to stay in touch and to meet again before the summer.",
        "Both sides agreed to our proposal to return to the table in March.",
        "The Minister invited companies to sign up for the new export credit scheme.",
        "The Coalition will continue to share information on foreign terrorist fighters.",
        "Learn more about the partnership at the ministerial meeting in Rome next week, officials said.",
        "| Country | Pledge |",
        "}",
    ],
)
def test_residual_keeps_real_sentences(line):
    text = f"Opening sentence of the readout.\n{line}\nClosing sentence of the readout."
    assert line in strip_residual_boilerplate(text)


def test_residual_drops_trailing_press_contact_block():
    text = (
        "The Coalition remains united in its determination.\n\n"
        "For further information:\n"
        "Jane Example\n"
        "Press Secretary\n"
        "Office of the Minister of Foreign Affairs\n"
        "jane.example@mfa.example.org\n"
        "+1 555 010 2030\n"
    )
    assert strip_residual_boilerplate(text) == "The Coalition remains united in its determination."


def test_residual_drops_contacts_with_press_roles_only():
    text = "Parliament adopted the text.\nContacts:\n- Jane EXAMPLE Press Officer\n- John DOE Press Officer"
    assert strip_residual_boilerplate(text) == "Parliament adopted the text."


def test_residual_keeps_contact_heading_followed_by_prose():
    text = (
        "Body sentence.\n"
        "Contacts\n"
        "The ministers agreed that regular contacts between their services would continue, and "
        "that a working group would report on progress before the next ministerial meeting."
    )
    assert strip_residual_boilerplate(text) == text


def test_residual_empty():
    assert strip_residual_boilerplate("") == ""


# --- clean_text -----------------------------------------------------------------------


def test_clean_text_markdown_title_and_link_header():
    md = (
        "\n\n# Joint Statement on the Eastern Sea\n\n"
        " [example.org/news/2021/statement.html](https://example.org/news/2021/statement.html)\n\n"
        "**From: Ministry of Foreign Affairs**\n\n"
        "## Statement\n\n"
        "The ministers met in [Valmont](https://example.org/valmont) today.  \n"
        "They agreed to meet again.\n\n"
        "###\n"
    )
    doc = clean_text(md)
    assert isinstance(doc, CleanDoc)
    assert doc.title == "Joint Statement on the Eastern Sea"
    assert doc.text == (
        "From: Ministry of Foreign Affairs\nStatement\nThe ministers met in Valmont today.\n"
        "They agreed to meet again."
    )
    assert clean_text(md, title="Given").title == "Given"


def test_clean_text_plain():
    doc = clean_text("  A readout.\n\n\nSecond   paragraph.\nShare this\n")
    assert doc.title is None
    assert doc.text == "A readout.\nSecond paragraph."
    assert doc.published_date is None and doc.canonical_url is None


# --- clean_html -----------------------------------------------------------------------


def _fixture(name: str) -> str:
    return decode_body((FIXTURES / name).read_bytes(), None)


def test_clean_html_readout_fixture():
    doc = clean_html(_fixture("readout.html"), url="https://mfa.example.org/en/news/x")
    assert doc is not None
    for sentence in BODY_SENTENCES:
        assert sentence in doc.text
    for junk in [
        "cookie",
        "Accept all",
        "Got it",
        "Share",
        "Print this page",
        "###",
        "Skip to main content",
        "Back to top",
        "All rights reserved",
        "press@mfa.example.org",
        "+1 555",
        "Press Officer",
        "Privacy notice",
        "Related news",
        "Home > News",
        "The Ministry",
    ]:
        assert junk.lower() not in doc.text.lower(), junk
    assert (
        doc.title == "Readout of the Foreign Minister's Call with the Foreign Minister of Norland"
    )
    assert doc.published_date == date(2024, 3, 14)
    assert doc.sitename == "Ministry of Foreign Affairs"
    assert doc.language == "en"
    # rel=canonical wins over og:url
    assert doc.canonical_url == "https://mfa.example.org/en/news/2024/03/readout-norland-call"
    assert doc.text == clean_html(_fixture("readout.html")).text  # url does not change text


def test_clean_html_og_url_resolved_against_url():
    doc = clean_html(_fixture("ogurl.html"), url="https://mfa.example.org/fr/x")
    assert doc is not None
    assert doc.canonical_url == "https://mfa.example.org/fr/communiques/2023/communique-conjoint"
    assert doc.language == "fr"
    assert "se sont réunis aujourd'hui à Valmont" in doc.text
    assert "Accueil" not in doc.text
    # without a base url a relative og:url cannot be made absolute
    assert clean_html(_fixture("ogurl.html")).canonical_url is None


def test_clean_html_no_main_text():
    assert clean_html("") is None
    assert clean_html("<html><head><title>x</title></head><body></body></html>") is None


def test_clean_html_same_content_same_hash_despite_markup_differences():
    html = _fixture("readout.html")
    variant = html.replace("<p>The two", "<p class='x'  >The  two").replace(
        "</main>", "</main>\n\n"
    )
    assert content_hash(clean_html(html).text) == content_hash(clean_html(variant).text)


# --- real data (../shared) ------------------------------------------------------------


def _seed(name_prefix: str) -> str:
    (path,) = sorted((SHARED / "seeds").glob(f"{name_prefix}*.txt"))
    return path.read_text(encoding="utf-8")


@needs_shared
def test_seeds_debris_removed():
    seeds = {p.name: p.read_text(encoding="utf-8") for p in (SHARED / "seeds").glob("*.txt")}
    carriers = {"cookie": 0, "###": 0, "contacts": 0, "link_header": 0}
    for name, raw in seeds.items():
        text = clean_text(raw).text
        if re.search(r"uses cookies", raw):
            carriers["cookie"] += 1
            assert "cookies" not in text, name
            assert "Accept Read More" not in text, name
        if re.search(r"^\s*###\s*$", raw, re.M):
            carriers["###"] += 1
            assert "###" not in text, name
        if re.search(r"^#+ \**Contacts", raw, re.M):
            carriers["contacts"] += 1
            assert "Contacts" not in text, name
            assert "@" not in text and "Press Secretary" not in text, name
        if re.search(r"^\s*\[[^\]]+\]\(https?://[^)]+\)\s*$", raw, re.M):
            carriers["link_header"] += 1
            assert "](" not in text and "https://" not in text, name
        # the first real sentence of each seed survives intact
        first_para = next(
            line.strip() for line in raw.splitlines() if len(line.split()) > 15 and "[" not in line
        )
        first_sentence = first_para.split(". ")[0]
        assert first_sentence in text, name
    assert all(carriers.values()), f"expected every kind of debris in some seed: {carriers}"


@needs_shared
def test_seed_text_ends_with_real_sentence():
    for path in (SHARED / "seeds").glob("*.txt"):
        last = clean_text(path.read_text(encoding="utf-8")).text.splitlines()[-1]
        assert last.endswith((".", "”", '"')), (path.name, last)


def _gov_pages() -> list[Path]:
    root = SHARED / "corpora" / "government-pages"
    return sorted((root / "mfa").glob("*.html")) + sorted((root / "europarl").glob("*.html"))


@needs_shared
def test_government_pages_produce_text():
    pages = _gov_pages()
    assert len(pages) >= 15
    for page in pages:
        body = page.read_bytes()
        assert is_cleanable("text/html", body), page.name
        doc = clean_html(decode_body(body, None))
        assert doc is not None and len(doc.text) > 200, page.name


@needs_shared
def test_government_pdfs_not_cleanable():
    pdfs = sorted((SHARED / "corpora" / "government-pages" / "mfa").glob("*.pdf"))
    assert pdfs
    for pdf in pdfs:
        assert not is_cleanable("text/html", pdf.read_bytes()), pdf.name


@needs_shared
def test_mfa_statement_pages_differing_in_bytes_share_content_hash():
    mfa = SHARED / "corpora" / "government-pages" / "mfa"
    a, b = (
        (mfa / "cf70e7349e4f19db.html").read_bytes(),
        (mfa / "dad9272a52869cef.html").read_bytes(),
    )
    assert a != b
    da, db = clean_html(decode_body(a, None)), clean_html(decode_body(b, None))
    assert da is not None and db is not None
    assert content_hash(da.text) == content_hash(db.text)
    assert "Central European Initiative" in da.text


@needs_shared
def test_europarl_contacts_block_removed():
    for page in sorted((SHARED / "corpora" / "government-pages" / "europarl").glob("*.html")):
        doc = clean_html(decode_body(page.read_bytes(), None))
        assert doc is not None
        assert "Press Officer" not in doc.text and "Contacts:" not in doc.text, page.name
        assert doc.language == "en" and doc.canonical_url.startswith("https://"), page.name
        assert doc.published_date is not None, page.name


@needs_shared
def test_wcxb_sample_smoke():
    html_dir = SHARED / "corpora" / "wcxb-dev" / "html"
    pages = sorted(html_dir.glob("*.html.gz"))[:5]
    if not pages:
        pytest.skip("wcxb-dev not present")
    for page in pages:
        body = gzip.decompress(page.read_bytes())
        assert is_cleanable("text/html", body)
        clean_html(decode_body(body, None))  # must not raise


def test_republication_preface_is_dropped_but_not_real_sentences():
    text = (
        "Office of the Spokesperson · Joint Statement\n"
        "The following statement was released by the members of the Coalition on its anniversary.\n"
        "Begin text:\n"
        "Ten years ago the Coalition was formed.\n"
        "The following statement was released by the members yesterday.\n"
    )
    assert strip_residual_boilerplate(text).splitlines() == [
        "Ten years ago the Coalition was formed.",
        "The following statement was released by the members yesterday.",
    ]
    # A title-like first line that is more than labels stays.
    assert strip_residual_boilerplate("Statement by the Minister on the attack\nThe Minister said.").startswith(
        "Statement by the Minister"
    )


# --- demo site: every article keeps its body, loses its chrome --------------------------

# Chrome every demo theme puts around an article (cookie banner, share widget, footer,
# sidebar): none of these may survive cleaning.
DEMO_CHROME = [
    "cookies",
    "Accept all",
    "Allow all",
    "Manage preferences",
    "Share this",
    "Facebook",
    "Twitter",
    "All rights reserved",
    "Skip to main content",
    "Newsletter",
    "Subscribe",
    "Media enquiries",
]


def _demo_blocks(body: str) -> list[str]:
    """The article's paragraphs, list items and headings as the demo renders them."""
    blocks, para = [], []
    for chunk in body.split("\n\n"):
        for line in chunk.strip().splitlines():
            line = line.strip()
            if line.startswith(("## ", "- ")):
                if para:
                    blocks.append(" ".join(para))
                    para = []
                blocks.append(line[3:] if line.startswith("## ") else line[2:])
            elif line:
                para.append(line)
        if para:
            blocks.append(" ".join(para))
            para = []
    return [normalize_text(b) for b in blocks if b.strip()]


def test_demo_articles_keep_every_block_and_drop_chrome():
    from readout_pipeline.demo_site import DemoSite

    checked = 0
    with DemoSite(revision=2) as site:
        for key, pub in site.publishers.items():
            for art in pub.articles:
                res = site.resource(key, art.path)
                assert res is not None, art.path
                doc = clean_html(decode_body(res.body, "utf-8"), url=site.base_urls[key] + art.path)
                assert doc is not None, art.path
                # trafilatura renders list items as "- item" lines
                lines = {ln.removeprefix("- ") for ln in doc.text.splitlines()}
                for block in _demo_blocks(art.body_at(site.revision)):
                    assert block in lines, (art.path, block)
                low = doc.text.lower()
                body = art.body_at(site.revision).lower()
                chrome = DEMO_CHROME + list(pub.contacts) + [t for t, _ in pub.legal]
                for item in chrome:
                    if item.lower() not in body:  # a name the article itself mentions may stay
                        assert item.lower() not in low, (art.path, item)
                assert doc.title == normalize_text(art.title), art.path
                checked += 1
    assert checked >= 25


def test_consent_manager_nodes_pruned_before_extraction():
    article = "".join(
        f"<p>Paragraph {i} of the readout: the ministers discussed the situation in the region "
        f"and agreed on further steps to coordinate their assistance.</p>"
        for i in range(6)
    )
    html = (
        "<html><body><main><article><h1>Readout</h1>" + article + "</article></main>"
        '<div id="usercentrics-root"><div class="uc-banner">Datenschutz-Einstellungen '
        "Wir nutzen Technologien auf unserer Website. Alle akzeptieren</div></div>"
        '<div class="cmplz-cookiebanner"><span class="cmplz-title">Manage Consent</span>'
        "<span>To provide the best experiences, we use technologies like these.</span></div>"
        "</body></html>"
    )
    doc = clean_html(html)
    assert doc is not None
    assert "Paragraph 5 of the readout" in doc.text
    for junk in ("Datenschutz", "Alle akzeptieren", "Manage Consent", "best experiences"):
        assert junk not in doc.text


def test_consent_prune_keeps_content_named_like_a_banner():
    # A page *about* cookie consent whose article container carries a consent-like class.
    body = "".join(
        f"<p>Sentence {i}: the regulation on consent banners was adopted by the Parliament "
        f"after a long negotiation with the Council.</p>"
        for i in range(8)
    )
    html = f'<html><body><div class="consent-banner-article"><h1>New rules</h1>{body}</div></body></html>'
    doc = clean_html(html)
    assert doc is not None and "Sentence 7" in doc.text


def test_text_after_a_removed_consent_bar_stays_in_place():
    from lxml import html as lxml_html

    from readout_pipeline.clean import _prune_consent_nodes

    tree = lxml_html.fromstring(
        "<div><p>First paragraph.</p><div id='cookie-banner'>We use cookies. Accept</div>"
        "Text after the bar.<p>Last paragraph.</p></div>"
    )
    _prune_consent_nodes(tree)
    assert " ".join(tree.text_content().split()) == "First paragraph.Text after the bar.Last paragraph."
