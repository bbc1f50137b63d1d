"""Generic page-chrome rules: the chrome block goes, real text using the same words stays."""

from __future__ import annotations

from lxml import html as lxml_html

from readout_pipeline.clean import _prune_chrome_nodes, clean_html, strip_residual_boilerplate

PROSE = (
    "The delegations met in Geneva on Tuesday and agreed on a work plan for the coming year, "
    "including a review of the related agreements and a newsletter for member states."
)


def _text(tree) -> str:
    return " ".join(tree.find(".//body").text_content().split())


def _page(body: str) -> str:
    return f"<html><head><title>t</title></head><body>{body}</body></html>"


# --- DOM pruning --------------------------------------------------------------------------


def test_chrome_containers_are_pruned_and_content_named_alike_stays():
    tree = lxml_html.fromstring(
        _page(
            "<header class='site-header'><a href='/'>Home</a><a href='/news'>News</a></header>"
            "<nav><ul><li>Ministry</li><li>Press room</li></ul></nav>"
            "<div class='breadcrumbs'>Home / News / Statement</div>"
            "<main><article><h1>Joint statement</h1>"
            f"<p>{PROSE}</p>"
            "<div class='newsletter-signup'>Get our weekly digest in your inbox.</div>"
            f"<p>{PROSE.replace('Tuesday', 'Wednesday')}</p>"
            "</article>"
            "<section class='related-posts'><h3>Related</h3><ul><li>Another statement</li>"
            "<li>A third statement</li></ul></section></main>"
            "<div role='contentinfo'>Contact the press office</div>"
        )
    )
    _prune_chrome_nodes(tree)
    text = _text(tree)
    for chrome in (
        "Press room",
        "Home / News",
        "weekly digest",
        "Another statement",
        "press office",
    ):
        assert chrome not in text
    # the prose mentions "related" and "newsletter" and stays, with the article heading
    assert "Joint statement" in text and "Tuesday" in text and "Wednesday" in text


def test_chrome_named_container_with_paragraphs_or_a_heading_is_kept():
    paragraphs = "".join(f"<p>{PROSE} Item {i}.</p>" for i in range(3))
    tree = lxml_html.fromstring(
        _page(
            f"<div class='related-research'>{paragraphs}</div>"
            "<div class='promo-hero'><h1>Annual report</h1><p>Short summary.</p></div>"
        )
    )
    _prune_chrome_nodes(tree)
    text = _text(tree)
    assert "Item 2." in text and "Annual report" in text


def test_article_header_is_content_site_header_is_not():
    tree = lxml_html.fromstring(
        _page(
            "<header><a href='/'>Site name</a> <a href='/about'>About us</a></header>"
            "<article><header><p class='dek'>The ministers agreed on the text.</p></header>"
            f"<p>{PROSE}</p></article>"
        )
    )
    _prune_chrome_nodes(tree)
    text = _text(tree)
    assert "About us" not in text
    assert "The ministers agreed on the text." in text


def test_nothing_is_pruned_when_the_chrome_would_be_the_whole_page():
    items = "".join(f"<li>Product number {i} with a name</li>" for i in range(30))
    tree = lxml_html.fromstring(
        _page(f"<p>My favourites:</p><div class='main-nav-products'><ul>{items}</ul></div>")
    )
    _prune_chrome_nodes(tree)
    assert "Product number 29" in _text(tree)


def test_button_swallowing_the_page_is_unwrapped():
    # An unclosed <button> in the header: the parser nests the whole page inside it, and
    # trafilatura drops buttons with their content.
    body = "".join(f"<p>Paragraph {i}: {PROSE}</p>" for i in range(6))
    html = _page(f"<div class='top'><button class='menu-button'>Menu<main>{body}</main></div>")
    doc = clean_html(html)
    assert doc is not None and "Paragraph 5" in doc.text


def test_text_after_a_pruned_node_stays_in_place():
    tree = lxml_html.fromstring(
        _page("<div><p>First paragraph.</p><nav>Menu items</nav>Text after.<p>Last.</p></div>")
    )
    _prune_chrome_nodes(tree)
    assert _text(tree) == "First paragraph.Text after.Last."


# --- line rules ---------------------------------------------------------------------------


def _kept(lines: list[str]) -> list[str]:
    return strip_residual_boilerplate("\n".join(lines)).splitlines()


def test_related_article_teasers_go_related_prose_stays():
    prose = "Related research shows that the agreement reduced tariffs: exports rose by a third."
    out = _kept([PROSE, "Related: Ministers meet in Brussels", "Read more: The 2024 budget", prose])
    assert out == [PROSE, prose]


def test_reader_pitches_go_reports_about_them_stay():
    chrome = [
        "Sign up for our newsletter to see what is happening across the industry.",
        "Join our mailing list! Get a newsletter when an episode is published.",
        "Follow us on Instagram for daily updates.",
        "Already have an account? Sign in here.",
        "This story is funded by readers like you",
        "Did you make this recipe? Please leave a star rating.",
    ]
    prose = [
        "The embassy said it had signed up to the newsletter of the regional organisation.",
        "Protesters followed the minister on his visit to the border towns on Monday.",
    ]
    assert _kept(chrome + prose) == prose


def test_shop_and_marketing_chrome_goes_sentences_stay():
    chrome = [
        "Free Shipping on Domestic Orders $75+",
        "Ships from: Portugal",
        "Save 25%",
        "People who viewed this item also viewed",
        "Best Sellers",
        "Trusted by 500,000+ customers",
        "Advertisement: New AI Book",
        "Share your story",
    ]
    prose = [
        "The trade deal gives free shipping on orders over $75 to small exporters, the ministry said.",
        "Officials said the programme is trusted by farmers in the region.",
    ]
    assert _kept(chrome + prose) == prose


def test_widget_and_forum_labels_go_as_whole_lines_only():
    chrome = ["Expand description", "Submit correction", "PIN FOR LATER", "- Joined", "Messages",
              "Comment via: facebook, substack", "Blog Index"]  # fmt: skip
    prose = ["Messages were exchanged between the two delegations before the summit."]
    assert _kept(chrome + prose) == prose


def test_contact_form_small_print_and_commission_disclosures_go():
    chrome = [
        "Use the form on the right to contact us.",
        "We may be compensated when you click on a link on this page.",
    ]
    prose = ["The ministry published a form for citizens who want to contact the consulate."]
    assert _kept(chrome + prose) == prose
