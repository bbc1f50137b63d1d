"""metadata.page_metadata: the stored fields from meta tags, JSON-LD and the page."""

from __future__ import annotations

from trafilatura.utils import load_html

from readout_pipeline.clean import clean_html
from readout_pipeline.metadata import page_metadata, text_date

BODY = "<p>" + "The Secretary met the Foreign Minister to discuss regional security. " * 12 + "</p>"


def test_meta_tags_and_json_ld():
    html = f"""<html><head><title>Readout of a call | Ministry of Foreign Affairs</title>
    <meta property="og:title" content="Readout of the Secretary&#39;s Call">
    <meta name="author" content="Jane Example">
    <meta property="og:site_name" content="Ministry of Foreign Affairs">
    <meta property="article:published_time" content="2022-03-04T10:00:00Z">
    </head><body><article><h1>Readout</h1>{BODY}</article></body></html>"""
    meta = page_metadata(load_html(html), "https://mfa.example/readout")
    assert meta.title == "Readout of the Secretary's Call"
    assert meta.author == "Jane Example"
    assert meta.sitename == "Ministry of Foreign Affairs"
    assert meta.date == "2022-03-04"


def test_date_found_in_page_text_when_no_markup_has_it():
    html = f"""<html><head><title>Joint statement</title></head><body><article>
    <h1>Joint statement</h1><p class="date">March 7, 2022</p>{BODY}</article></body></html>"""
    assert page_metadata(load_html(html)).date == "2022-03-07"


def test_title_falls_back_to_the_single_h1_and_sitename_to_the_host():
    html = f"<html><body><h1>Communiqué of the meeting</h1>{BODY}</body></html>"
    meta = page_metadata(load_html(html), "https://www.gov.example/news/1")
    assert meta.title == "Communiqué of the meeting"
    assert meta.sitename == "gov.example"
    assert meta.author is None


def test_a_single_word_author_tag_is_a_handle_not_a_name():
    html = f'<html><head><meta name="author" content="pressoffice"></head><body>{BODY}</body></html>'
    assert page_metadata(load_html(html)).author is None


def test_clean_html_stores_these_fields():
    html = f"""<html><head><meta property="og:title" content="Readout">
    <meta property="article:published_time" content="2021-12-01"></head>
    <body><article>{BODY}</article></body></html>"""
    doc = clean_html(html, "https://mfa.example/r")
    assert doc is not None and doc.title == "Readout"
    assert doc.published_date is not None and doc.published_date.isoformat() == "2021-12-01"
    assert "Foreign Minister" in doc.text


def _page(text_html: str, footer: str = "") -> str:
    return (f"<html><head><title>Statement of the Foreign Ministry</title></head><body><main><article>"
            f"<h1>Statement of the Foreign Ministry</h1>{BODY}{text_html}</article></main>"
            f"<footer><small class='copyright'>{footer}</small></footer></body></html>")


def test_a_dateline_in_the_main_text_dates_a_page_without_date_markup():
    doc = clean_html(_page("<p style='text-align: right'>December 6, 2021</p>", "© 2007-2020, Ministry"))
    assert str(doc.published_date) == "2021-12-06"


def test_page_chrome_and_bare_years_give_no_date():
    assert clean_html(_page("", "© 2007-2020, Ministry of Foreign Affairs")).published_date is None
    assert clean_html(_page("<p>The coalition, active since 2014, met again.</p>")).published_date is None


def test_text_date_reads_title_and_text_and_keeps_a_written_first_of_january():
    assert text_date("Summit of the Heads of Government (May 15, 2020)", "Remarks.") == "2020-05-15"
    assert text_date(None, "Ottawa, 1 January 2024 - The Minister said ...") == "2024-01-01"
    assert text_date(None, "The group was founded in 2014.") is None
    long_text = "Opening words.\n" + "Padding sentence about the meeting. " * 200 + "\nDecember 6, 2021"
    assert text_date(None, long_text) == "2021-12-06"  # the closing dateline is searched too
