"""The guarded XPaths select exactly what trafilatura's own select, the parser gives every element
the class trafilatura's gives it, cleaning results do not change, and trafilatura gets its own back.
The WCXB case reads ../shared (or $READOUT_SHARED), skipped without."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import lxml.html
import pytest
from lxml.etree import XPath
from trafilatura import utils, xpaths
from trafilatura.utils import load_html

from readout_pipeline import trafilatura_speedups as speedups
from readout_pipeline.clean import clean_html, decode_body

SHARED = Path(os.environ.get("READOUT_SHARED") or Path(__file__).resolve().parents[2] / "shared")
WCXB = SHARED / "corpora" / "wcxb-dev" / "html"
RE = {"re": xpaths.REGEXP_NS}

# Attributes present, absent, empty, in both orders (re:test(@id|@class) reads the first one).
MIXED = """<html><body>
<div id="main"><p class="intro">Intro</p><p>Plain</p><p class="">Empty class</p></div>
<div class="sidebar-widget" id="x1"><span>Side</span></div>
<div id="cookie-banner" class="notice">Cookies</div>
<div class="notice" id="cookie-banner2">Cookies again</div>
<div class="CookieConsent">Consent, in capitals</div>
<section class="comments-area"><div id="comments"><p>First!</p></div></section>
<div style="display:none" id="hidden-thing">Hidden</div>
<article class="post-content entry"><p>Body text of the article.</p></article>
<footer class="site-footer"><div class="share-buttons">Share</div></footer>
</body></html>"""


def _demo_pages() -> list[str]:
    from readout_pipeline.demo_site import DemoSite

    with DemoSite(revision=2) as site:
        return [
            decode_body(site.resource(key, art.path).body, "utf-8")
            for key, pub in site.publishers.items()
            for art in pub.articles
        ]


def _same_selection(html: str) -> int:
    """Assert every rewritten expression selects the same elements as the original; return how
    many expressions selected something."""
    tree = load_html(html)
    assert tree is not None
    nonempty = 0
    for name, changed in speedups.rewritten().items():
        for i, original, new in changed:
            want, got = original(tree), new(tree)
            assert got == want, f"{name}[{i}]"
            nonempty += bool(want)
    return nonempty


def test_guard_skips_the_test_only_where_an_absent_attribute_cannot_match():
    assert speedups.guard(".//*[re:test(@id, 'nav|menu')]") == ".//*[((@id) and re:test(@id, 'nav|menu'))]"
    assert (
        speedups.guard(".//*[re:test(@id|@class, 'cookie')]")
        == ".//*[((@id|@class) and re:test(@id|@class, 'cookie'))]"
    )
    # with flags ('i': the match ignores case, which cannot make a pattern match an empty string)
    assert (
        speedups.guard(".//*[re:test(@class, 'cookie', 'i')]")
        == ".//*[((@class) and re:test(@class, 'cookie', 'i'))]"
    )
    assert speedups.guard(".//*[re:test(@class, 'x*', 'i')]") == ".//*[re:test(@class, 'x*', 'i')]"
    # 'x*' and '^$' match an empty string, so an element without the attribute is selected: unchanged
    for pattern in ("x*", "^$", "(?:a|)"):
        path = f".//p[re:test(@class, '{pattern}')]"
        assert speedups.guard(path) == path
        tree = load_html(MIXED)
        assert XPath(path, namespaces=RE)(tree) == XPath(speedups.guard(path), namespaces=RE)(tree)
        assert any(p.get("class") is None for p in XPath(path, namespaces=RE)(tree))


def test_a_remembering_function_answers_as_re_test_does():
    path = ".//*[re:test(@class, 'nav|menu')]"
    once = speedups.remembered(path)
    assert "re:test" not in once and once.startswith(".//*[rc:t") and once.endswith("(@class)]")
    assert speedups.remembered(path) == once  # one function a pattern and flags
    assert speedups.remembered(".//*[re:test(@class, 'nav|menu', 'i')]") != once
    # the string tested is the node-set's first node, '' when empty (so 'x*' still selects an
    # element without the attribute), the flags as re:test reads them; the Kelvin sign is a 'k'
    # when case is ignored, as Python's re has it
    page = load_html(MIXED.replace("</body>", "<p class='\u212aelvin'>K</p><p id='a' class='b'>ab</p></body>"))
    assert page is not None
    for attrs in ("@class", "@id|@class", "@class|@id"):
        for pattern, flags in [("nav|menu", ""), ("cookie", "i"), ("kelvin", "i"), ("^b$", ""), ("x*", ""),
                               ("^$", ""), ("(?:a|)", ""), ("Cookie", "")]:
            arg = f", '{flags}'" if flags else ""
            original = f".//*[re:test({attrs}, '{pattern}'{arg})]"
            want = XPath(original, namespaces=RE, smart_strings=False)(page)
            for _ in range(2):  # answered, then remembered
                assert speedups.compiled(original)(page) == want, original
                assert speedups.compiled(speedups.guard(original))(page) == want, original
    assert speedups.compiled(".//*[re:test(@class, 'kelvin', 'i')]")(page)[0].text == "K"


def test_what_the_functions_remember_is_forgotten_after_cleaning_and_bounded(monkeypatch: pytest.MonkeyPatch):
    with speedups.active():
        clean_html(MIXED, "https://example.test/page")
        assert any(speedups._MEMO_RESULTS)  # remembered while cleaning
    assert not any(speedups._MEMO_RESULTS)
    monkeypatch.setattr(speedups, "_REMEMBERED_MAX", 3)
    xpath = speedups.compiled(".//*[re:test(@class, 'never-matches-anything')]")
    many = "<html><body>" + "".join(f"<p class='c{i}'>{i}</p>" for i in range(10)) + "</body></html>"
    assert xpath(load_html(many)) == []
    assert 0 < max(len(results) for results in speedups._MEMO_RESULTS) <= 3
    speedups.forget()


def test_only_element_selecting_expressions_are_rewritten():
    assert speedups._selects_elements(".//div[re:test(@class, 'a')]//p[@id]")
    assert not speedups._selects_elements(".//meta[re:test(@name, 'a')]/@content")
    assert not speedups._selects_elements(".//*[re:test(@class, 'a')]/text()")
    table = speedups.rewritten()
    # the hot ones, with this trafilatura (BASIC_CLEAN_XPATH: trafilatura.baseline's, by name)
    assert {"OVERALL_DISCARD_XPATH", "BODY_XPATH", "BASIC_CLEAN_XPATH"} <= set(table)
    for changed in table.values():
        for _i, original, new in changed:
            assert "re:test" in original.path and "re:test" not in new.path  # all answered by rc:tN
            assert new.path.count(") and rc:t") >= 1  # and guarded


def test_trafilatura_holds_the_changes_inside_the_block_only():
    from trafilatura.baseline import basic_cleaning

    table = speedups.rewritten()
    places = [(name, i, original, new) for name, changed in table.items() for i, original, new in changed]
    assert all(speedups.in_use(name, i) is original for name, i, original, _new in places)
    parser = utils.HTML_PARSER
    with speedups.active():
        with speedups.active():  # nested (another thread cleaning at the same time)
            pass
        assert utils.HTML_PARSER is speedups.fast_parser() is not parser  # still in use here
        assert all(speedups.in_use(name, i) is new for name, i, _original, new in places)
        assert basic_cleaning.__globals__["BASIC_CLEAN_XPATH"] is table["BASIC_CLEAN_XPATH"][0][2]
    assert utils.HTML_PARSER is parser
    assert all(speedups.in_use(name, i) is original for name, i, original, _new in places)
    assert basic_cleaning.__globals__["BASIC_CLEAN_XPATH"] is table["BASIC_CLEAN_XPATH"][0][1]


FORM_PAGE = """<html><head><title>T</title></head><body><!-- a comment -->
<form action="/s"><label for="q">Search</label><input id="q" name="q"><select name="s"><option>a</option>
</select><textarea name="t">x</textarea></form><div><p>Text <b>bold</b></p></div></body></html>"""


def test_the_fast_parser_gives_every_element_trafilatura_parsers_class():
    from lxml.html import FormElement, HtmlComment, HtmlElement, InputElement, TextareaElement

    plain = load_html(FORM_PAGE)
    with speedups.active():
        fast = load_html(FORM_PAGE)
    got = [(el.tag, type(el)) for el in fast.iter()]
    want = [(el.tag, type(el)) for el in plain.iter()]
    assert got == want
    classes = dict(got)
    assert classes["form"] is FormElement and classes["input"] is InputElement
    assert classes["textarea"] is TextareaElement and classes["div"] is HtmlElement
    # trafilatura's parser drops comments; elements and comments made later get lxml.html's classes
    fast.body.append(fast.makeelement("p"))
    fast.body.append(lxml.html.HtmlComment("made later"))
    assert type(fast.body[-2]) is HtmlElement and type(fast.body[-1]) is HtmlComment


def test_same_selection_on_a_page_of_mixed_attributes():
    assert _same_selection(MIXED) >= 3


def test_same_selection_and_same_cleaning_on_the_demo_pages(monkeypatch: pytest.MonkeyPatch):
    htmls = _demo_pages()
    assert len(htmls) >= 25
    for html in htmls:
        _same_selection(html)
    faster = [clean_html(html, "https://example.test/readout") for html in htmls]
    monkeypatch.setattr(speedups, "rewritten", dict)  # nothing swapped in: trafilatura's own
    monkeypatch.setattr(speedups, "fast_parser", lambda: speedups._ORIGINAL_PARSER)
    plain = [clean_html(html, "https://example.test/readout") for html in htmls]
    assert faster == plain and all(doc is not None for doc in faster)


@pytest.mark.skipif(not WCXB.is_dir(), reason=f"WCXB pages not found under {SHARED}")
def test_same_selection_on_real_pages():
    files = sorted(WCXB.glob("*.html.gz"))[:120]
    selected = sum(_same_selection(decode_body(gzip.decompress(p.read_bytes()), None)) for p in files)
    assert selected >= len(files)  # the expressions do select things on real pages
