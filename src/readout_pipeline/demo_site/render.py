"""Deterministic rendering of the demo publishers: HTML pages, feeds, sitemaps, robots.txt.

Same (publisher, path, revision, base URL) -> same bytes. Each publisher has its own theme
(page chrome, cookie banner style, date formats), so the same text looks different per site.
"""

from __future__ import annotations

import gzip
import json
import math
import zlib
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape
from urllib.parse import quote

from .content import Article, Publisher

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
GZIP = "application/gzip"
TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Resource:
    body: bytes
    content_type: str
    last_modified: datetime


def e(text: str) -> str:
    return escape(text, quote=True)


def http_date(dt: datetime) -> str:
    return format_datetime(dt, usegmt=True)


def body_html(text: str) -> str:
    """Paragraphs separated by blank lines; `## ` headings; `- ` bullet lines form a list."""
    out: list[str] = []
    para: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if para:
            out.append(f"<p>{e(' '.join(para))}</p>")
            para.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for block in text.split("\n\n"):
        for line in block.strip().splitlines():
            line = line.strip()
            if line.startswith("## "):
                flush()
                out.append(f"<h2>{e(line[3:])}</h2>")
            elif line.startswith("- "):
                if para:
                    flush()
                items.append(line[2:])
            elif line:
                if items:
                    flush()
                para.append(line)
        flush()
    return "\n".join(out)


def _day_month_year(dt: datetime) -> str:
    return f"{dt.day} {dt:%B %Y}"


def _month_day_year(dt: datetime) -> str:
    return f"{dt:%B} {dt.day}, {dt.year}"


def share_links(url: str, title: str) -> list[tuple[str, str, str]]:
    u, t = quote(url, safe=""), quote(title, safe="")
    return [
        ("facebook", "Facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}"),
        ("twitter", "Twitter", f"https://twitter.com/intent/tweet?url={u}&amp;text={t}"),
        ("email", "Email", f"mailto:?subject={t}&amp;body={u}"),
        ("print", "Print", "javascript:window.print()"),
    ]


class Theme:
    """Shared page skeleton; subclasses supply the chrome."""

    stylesheet = "/static/site.css"
    feed_link = ""

    def __init__(self, pub: Publisher, base: str) -> None:
        self.pub = pub
        self.base = base

    # -- formats ---------------------------------------------------------------------------
    def display_date(self, dt: datetime) -> str:
        return _day_month_year(dt)

    def iso(self, dt: datetime) -> str:
        return dt.isoformat()

    # -- chrome (overridden) ---------------------------------------------------------------
    def header(self, active: str) -> str:
        raise NotImplementedError

    def breadcrumb(self, crumbs: list[tuple[str, str | None]]) -> str:
        raise NotImplementedError

    def cookie_banner(self) -> str:
        raise NotImplementedError

    def sidebar(self) -> str:
        raise NotImplementedError

    def footer(self) -> str:
        raise NotImplementedError

    def share(self, url: str, title: str) -> str:
        raise NotImplementedError

    def article_main(self, art: Article, revision: int, url: str) -> str:
        raise NotImplementedError

    def listing_main(self, heading: str, items: list[Article], pager: str = "") -> str:
        raise NotImplementedError

    # -- assembled pages -------------------------------------------------------------------
    def head(
        self,
        *,
        title: str,
        description: str,
        url: str,
        og_type: str = "website",
        published: datetime | None = None,
        modified: datetime | None = None,
        extra: str = "",
    ) -> str:
        lines = [
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{e(title)} | {e(self.pub.short_name)}</title>",
            f'<meta name="description" content="{e(description)}">',
            f'<link rel="canonical" href="{e(url)}">',
            f'<meta property="og:site_name" content="{e(self.pub.name)}">',
            f'<meta property="og:type" content="{og_type}">',
            f'<meta property="og:title" content="{e(title)}">',
            f'<meta property="og:description" content="{e(description)}">',
            f'<meta property="og:url" content="{e(url)}">',
        ]
        if published is not None:
            lines.append(
                f'<meta property="article:published_time" content="{self.iso(published)}">'
            )
        if modified is not None:
            lines.append(f'<meta property="article:modified_time" content="{self.iso(modified)}">')
        if self.feed_link:
            lines.append(self.feed_link.format(base=self.base, name=e(self.pub.short_name)))
        lines.append(f'<link rel="stylesheet" href="{self.stylesheet}">')
        if extra:
            lines.append(extra)
        return "\n".join(lines)

    def page(self, *, head: str, body_class: str, active: str, crumbs, main: str) -> str:
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n'
            f"{head}\n</head>\n"
            f'<body class="{body_class}">\n'
            f"{self.header(active)}\n"
            f"{self.breadcrumb(crumbs)}\n"
            f"{main}\n"
            f"{self.footer()}\n"
            f"{self.cookie_banner()}\n"
            "</body>\n</html>\n"
        )

    def article_page(self, art: Article, revision: int) -> str:
        url = self.base + art.path
        modified = art.modified_at(revision)
        head = self.head(
            title=art.title,
            description=art.summary,
            url=url,
            og_type="article",
            published=art.published,
            modified=modified,
            extra=self.article_head_extra(art, revision, url),
        )
        crumbs = [("Home", "/"), (self.pub.section_title, self.pub.section_path), (art.title, None)]
        return self.page(
            head=head,
            body_class=f"article {art.kind}",
            active=self.pub.section_path,
            crumbs=crumbs,
            main=self.article_main(art, revision, url),
        )

    def article_head_extra(self, art: Article, revision: int, url: str) -> str:
        return ""

    def article_body(self, art: Article, revision: int) -> str:
        body = body_html(art.body_at(revision))
        if art.preface:
            body = (
                f'<p class="preface"><em>{e(art.preface)}</em></p>\n'
                "<p>Begin text:</p>\n"
                f"{body}\n"
                "<p>End text.</p>"
            )
        return body

    def listing_page(
        self, *, heading: str, items: list[Article], path: str, prev: str | None = None,
        next_: str | None = None, pager: str = "", active: str = "",
    ) -> str:  # fmt: skip
        extra = []
        if prev:
            extra.append(f'<link rel="prev" href="{e(self.base + prev)}">')
        if next_:
            extra.append(f'<link rel="next" href="{e(self.base + next_)}">')
        head = self.head(
            title=heading,
            description=self.pub.description,
            url=self.base + path,
            extra="\n".join(extra),
        )
        crumbs = [("Home", "/")] if path == "/" else [("Home", "/"), (heading, None)]
        return self.page(
            head=head,
            body_class="listing" if path != "/" else "front",
            active=active or path,
            crumbs=crumbs,
            main=self.listing_main(heading, items, pager),
        )


class MinistryTheme(Theme):
    """Site A: a government CMS (Drupal-like markup), OneTrust-style consent banner."""

    stylesheet = "/themes/mfa/css/styles.min.css"
    feed_link = '<link rel="alternate" type="application/rss+xml" title="{name} news" href="{base}/rss.xml">'

    def header(self, active: str) -> str:
        items = "".join(
            f'<li class="menu-item{" is-active" if href == active else ""}"><a href="{e(href)}">{e(label)}</a></li>'
            for label, href in self.pub.nav
        )
        return (
            '<a class="skip-link visually-hidden" href="#main-content">Skip to main content</a>\n'
            '<header class="site-header" role="banner">\n'
            '  <div class="region-header"><a href="/" class="site-logo" rel="home">'
            f'<img src="/themes/mfa/logo.svg" alt="Coat of arms"> <span class="site-name">{e(self.pub.name)}</span></a>\n'
            '  <div class="language-switcher"><a hreflang="vl" href="#">Valdorski</a> | <a hreflang="en" href="/">English</a></div></div>\n'
            f'  <nav class="main-menu" aria-label="Main navigation"><ul class="menu">{items}</ul></nav>\n'
            "</header>"
        )

    def breadcrumb(self, crumbs) -> str:
        parts = []
        for label, href in crumbs:
            if href:
                parts.append(
                    f'<li class="breadcrumb__item"><a href="{e(href)}">{e(label)}</a></li>'
                )
            else:
                parts.append(f'<li class="breadcrumb__item" aria-current="page">{e(label)}</li>')
        return f'<nav class="breadcrumb" aria-label="Breadcrumb"><ol>{"".join(parts)}</ol></nav>'

    def cookie_banner(self) -> str:
        return (
            '<div id="onetrust-consent-sdk"><div class="onetrust-pc-dark-filter ot-hide ot-fade-in"></div>\n'
            '<div id="onetrust-banner-sdk" class="otFlat" tabindex="0" role="region" aria-label="Cookie banner">\n'
            '  <div class="ot-sdk-container"><div class="ot-sdk-row"><div id="onetrust-group-container" class="ot-sdk-eight ot-sdk-columns">\n'
            '    <div id="onetrust-policy"><h2 id="onetrust-policy-title">Your privacy</h2>\n'
            '    <p id="onetrust-policy-text">We use cookies and similar technologies to make this website work, '
            "to measure how it is used and to remember your preferences. You can accept all cookies or manage "
            'your choices. <a class="ot-cookie-policy-link" href="#" aria-label="More information about your privacy">Cookie policy</a></p></div>\n'
            '  </div><div id="onetrust-button-group-parent" class="ot-sdk-three ot-sdk-columns"><div id="onetrust-button-group">\n'
            '    <button id="onetrust-pc-btn-handler">Manage preferences</button>\n'
            '    <button id="onetrust-reject-all-handler">Reject all</button>\n'
            '    <button id="onetrust-accept-btn-handler">Accept all cookies</button>\n'
            "  </div></div></div></div>\n"
            "</div></div>"
        )

    def sidebar(self) -> str:
        links = "".join(f'<li><a href="{e(h)}">{e(t)}</a></li>' for t, h in self.pub.related)
        return (
            '<aside class="layout-sidebar" role="complementary">'
            f'<div class="block block-related"><h2 class="block-title">{e(self.pub.related_title)}</h2>'
            f'<ul class="related-links">{links}</ul></div></aside>'
        )

    def footer(self) -> str:
        contacts = "<br>".join(e(c) for c in self.pub.contacts)
        legal = "".join(f'<li><a href="{e(h)}">{e(t)}</a></li>' for t, h in self.pub.legal)
        return (
            '<footer class="site-footer" role="contentinfo">\n'
            f'  <div class="footer-contacts"><h2>Contact</h2><address>{contacts}</address></div>\n'
            '  <div class="footer-social">Follow the Ministry: <a href="#">X</a> <a href="#">Facebook</a> '
            '<a href="#">Instagram</a> <a href="#">YouTube</a></div>\n'
            f'  <ul class="footer-legal">{legal}</ul>\n'
            f'  <p class="copyright">&copy; 2025 {e(self.pub.name)}. All rights reserved.</p>\n'
            "</footer>"
        )

    def share(self, url: str, title: str) -> str:
        links = "".join(
            f'<li><a class="share-{k}" href="{h}" rel="nofollow noopener">{label}</a></li>'
            for k, label, h in share_links(url, title)
        )
        return f'<div class="share-block"><span class="share-label">Share this:</span><ul class="share-links">{links}</ul></div>'

    def article_main(self, art: Article, revision: int, url: str) -> str:
        modified = art.modified_at(revision)
        updated = (
            f'<p class="node__updated">Last updated: <time datetime="{self.iso(modified)}">'
            f"{self.display_date(modified)}</time></p>\n"
            if modified
            else ""
        )
        return (
            '<div class="layout-container"><main id="main-content" class="layout-content" role="main">\n'
            f'<article class="node node--type-news node--view-mode-full" data-history-node-id="{zlib.crc32(art.slug.encode()) % 90000 + 10000}">\n'
            f'  <h1 class="page-title"><span>{e(art.title)}</span></h1>\n'
            f'  <div class="node__meta"><span class="field--name-field-type">{e(art.kind.replace("-", " ").capitalize())}</span> | '
            f'<time datetime="{self.iso(art.published)}">{self.display_date(art.published)}</time> | '
            f'<span class="field--name-field-location">{e(art.location)}</span></div>\n'
            f"  {updated}"
            f'  <div class="field field--name-body clearfix text-formatted">\n{self.article_body(art, revision)}\n  </div>\n'
            f"  {self.share(url, art.title)}\n"
            "</article>\n"
            f"</main>\n{self.sidebar()}</div>"
        )

    def listing_main(self, heading: str, items: list[Article], pager: str = "") -> str:
        rows = "\n".join(
            '<div class="views-row"><article class="node--view-mode-teaser">'
            f'<h3><a href="{e(a.path)}" hreflang="en">{e(a.title)}</a></h3>'
            f'<time datetime="{self.iso(a.published)}">{self.display_date(a.published)}</time>'
            f'<p class="teaser-summary">{e(a.summary)}</p></article></div>'
            for a in items
        )
        return (
            '<div class="layout-container"><main id="main-content" class="layout-content" role="main">\n'
            f'<h1 class="page-title">{e(heading)}</h1>\n<div class="view view-news">\n<div class="view-content">\n{rows}\n</div>\n{pager}\n</div>\n'
            f"</main>\n{self.sidebar()}</div>"
        )


class SecretariatTheme(Theme):
    """Site B: a WordPress-like site with a Cookiebot-style consent dialog and JSON-LD."""

    stylesheet = "/wp-content/themes/coalition/style.css?ver=3.2.1"

    def display_date(self, dt: datetime) -> str:
        return _month_day_year(dt)

    def iso(self, dt: datetime) -> str:
        return dt.strftime("%Y-%m-%dT%H:%M:%SZ")

    def header(self, active: str) -> str:
        items = "".join(
            f'<li class="menu-item{" current-menu-item" if href == active else ""}"><a href="{e(href)}">{e(label)}</a></li>'
            for label, href in self.pub.nav
        )
        return (
            '<div id="page" class="site">\n'
            '<header id="masthead" class="site-header">\n'
            f'  <div class="site-branding"><p class="site-title"><a href="/" rel="home">{e(self.pub.name)}</a></p>'
            f'<p class="site-description">{e(self.pub.tagline)}</p></div>\n'
            f'  <nav id="site-navigation" class="main-navigation"><button class="menu-toggle" aria-expanded="false">Menu</button><ul id="primary-menu" class="menu">{items}</ul></nav>\n'
            "</header>"
        )

    def breadcrumb(self, crumbs) -> str:
        parts = []
        for label, href in crumbs:
            parts.append(
                f'<span><a href="{e(href)}">{e(label)}</a></span>'
                if href
                else f'<span class="breadcrumb_last" aria-current="page">{e(label)}</span>'
            )
        return f'<p id="breadcrumbs" class="yoast-breadcrumbs">{" &raquo; ".join(parts)}</p>'

    def cookie_banner(self) -> str:
        return (
            '<div id="CybotCookiebotDialog" name="CybotCookiebotDialog" role="dialog" aria-modal="true" '
            'aria-labelledby="CybotCookiebotDialogBodyContentTitle" tabindex="-1" lang="en" class="CybotCookiebotDialogActive">\n'
            '  <div class="CybotCookiebotDialogContentWrapper"><div id="CybotCookiebotDialogBody">\n'
            '    <h2 id="CybotCookiebotDialogBodyContentTitle">This website uses cookies</h2>\n'
            '    <div id="CybotCookiebotDialogBodyContentText">We use cookies to personalise content, to provide '
            "social media features and to analyse our traffic. We also share information about your use of our "
            "site with our social media and analytics partners, who may combine it with other information that "
            "you have provided to them or that they have collected from your use of their services.</div>\n"
            '  </div>\n  <div id="CybotCookiebotDialogFooter"><div id="CybotCookiebotDialogBodyButtonsWrapper">\n'
            '    <button id="CybotCookiebotDialogBodyButtonDecline">Deny</button>\n'
            '    <button id="CybotCookiebotDialogBodyLevelButtonCustomize">Customize</button>\n'
            '    <button id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll">Allow all</button>\n'
            '  </div><a href="https://www.cookiebot.com/" target="_blank" rel="noopener" id="CybotCookiebotDialogPoweredbyCybot">Powered by Cookiebot</a></div>\n'
            "  </div>\n</div>"
        )

    def sidebar(self) -> str:
        links = "".join(f'<li><a href="{e(h)}">{e(t)}</a></li>' for t, h in self.pub.related)
        return (
            '<aside id="secondary" class="widget-area">'
            f'<section class="widget widget_recent_entries"><h2 class="widget-title">{e(self.pub.related_title)}</h2>'
            f"<ul>{links}</ul></section>"
            '<section class="widget widget_newsletter"><h2 class="widget-title">Newsletter</h2>'
            '<form action="#" method="post"><label>Email address <input type="email" name="email"></label>'
            "<button>Subscribe</button></form></section></aside>"
        )

    def footer(self) -> str:
        contacts = "".join(f"<li>{e(c)}</li>" for c in self.pub.contacts)
        legal = " | ".join(f'<a href="{e(h)}">{e(t)}</a>' for t, h in self.pub.legal)
        return (
            '<footer id="colophon" class="site-footer">\n'
            f'  <div class="footer-widgets"><section class="widget"><h2 class="widget-title">Contact us</h2><ul class="contact-list">{contacts}</ul></section></div>\n'
            f'  <div class="site-info"><span class="legal-links">{legal}</span> &middot; '
            f"<span>&copy; {e(self.pub.name)} 2025</span></div>\n"
            "</footer>\n</div><!-- #page -->"
        )

    def share(self, url: str, title: str) -> str:
        links = "".join(
            f'<li class="share-{k}"><a rel="nofollow noopener noreferrer" class="share-{k} sd-button" href="{h}" target="_blank"><span>{label}</span></a></li>'
            for k, label, h in share_links(url, title)
        )
        return (
            '<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social">'
            f'<h3 class="sd-title">Share this:</h3><div class="sd-content"><ul>{links}</ul></div></div></div>'
        )

    def article_head_extra(self, art: Article, revision: int, url: str) -> str:
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": art.title,
            "datePublished": self.iso(art.published),
            "dateModified": self.iso(art.last_modified(revision)),
            "mainEntityOfPage": url,
            "publisher": {"@type": "Organization", "name": self.pub.name},
        }
        return f'<script type="application/ld+json">{json.dumps(data, sort_keys=True, ensure_ascii=False)}</script>'

    def article_main(self, art: Article, revision: int, url: str) -> str:
        return (
            '<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">\n'
            f'<article id="post-{len(art.slug) * 53 + art.published.day}" class="post type-post status-publish format-standard category-{e(art.kind)}">\n'
            f'  <header class="entry-header"><h1 class="entry-title">{e(art.title)}</h1>\n'
            f'  <div class="entry-meta"><span class="posted-on">Posted on <time class="entry-date published" datetime="{self.iso(art.published)}">'
            f'{self.display_date(art.published)}</time></span> <span class="dateline">{e(art.location)}</span></div></header>\n'
            f'  <div class="entry-content">\n{self.article_body(art, revision)}\n  {self.share(url, art.title)}\n  </div>\n'
            f'  <footer class="entry-footer"><span class="cat-links">Posted in <a href="{e(self.pub.section_path)}" rel="category tag">News</a></span></footer>\n'
            "</article>\n"
            f"</main></div>\n{self.sidebar()}</div>"
        )

    def listing_main(self, heading: str, items: list[Article], pager: str = "") -> str:
        rows = "\n".join(
            f'<article class="post type-post"><header class="entry-header"><h2 class="entry-title"><a href="{e(a.path)}" rel="bookmark">{e(a.title)}</a></h2>'
            f'<div class="entry-meta"><time datetime="{self.iso(a.published)}">{self.display_date(a.published)}</time></div></header>'
            f'<div class="entry-summary"><p>{e(a.summary)}</p></div></article>'
            for a in items
        )
        return (
            '<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">\n'
            f'<header class="page-header"><h1 class="page-title">{e(heading)}</h1></header>\n{rows}\n{pager}\n'
            f"</main></div>\n{self.sidebar()}</div>"
        )


class SpokespersonTheme(Theme):
    """Site C: a press-office site with a simple cookie bar and an Atom feed."""

    stylesheet = "/assets/css/dexr.css"
    feed_link = '<link rel="alternate" type="application/atom+xml" title="{name}: statements" href="{base}/feeds/statements.atom">'

    def header(self, active: str) -> str:
        items = "".join(
            f'<a class="nav-link{" active" if href == active else ""}" href="{e(href)}">{e(label)}</a>'
            for label, href in self.pub.nav
        )
        return (
            '<div class="gov-banner">An official website of the Kingdom of Norland</div>\n'
            '<header class="masthead"><div class="container">\n'
            f'  <a class="brand" href="/"><span class="brand-dept">Department of External Relations</span>'
            f'<span class="brand-office">{e(self.pub.short_name)}</span></a>\n'
            '  <form class="search-form" action="/search" method="get"><input type="search" name="q" '
            'aria-label="Search"><button type="submit">Search</button></form>\n'
            f'  <nav class="main-nav" aria-label="Primary">{items}</nav>\n'
            "</div></header>"
        )

    def breadcrumb(self, crumbs) -> str:
        parts = [
            f'<a href="{e(href)}">{e(label)}</a>'
            if href
            else f'<span class="current">{e(label)}</span>'
            for label, href in crumbs
        ]
        return f'<div class="breadcrumbs container">{" &rsaquo; ".join(parts)}</div>'

    def cookie_banner(self) -> str:
        return (
            '<div id="cookie-notice" class="cookie-bar" role="dialog" aria-live="polite">'
            '<span class="cn-text">This website uses cookies to improve your experience. '
            "We'll assume you're ok with this, but you can opt-out if you wish.</span> "
            '<a href="#" id="cn-accept-cookie" class="cn-button">Accept</a> '
            '<a href="#" id="cn-more-info" class="cn-more-info">Read More</a></div>'
        )

    def sidebar(self) -> str:
        links = "".join(f'<li><a href="{e(h)}">{e(t)}</a></li>' for t, h in self.pub.related)
        return (
            f'<div class="col-sidebar"><div class="related"><h3>{e(self.pub.related_title)}</h3><ul>{links}</ul></div>'
            '<div class="media-contact"><h3>Media enquiries</h3><p>Journalists may contact the duty press '
            "officer at any time.</p></div></div>"
        )

    def footer(self) -> str:
        contacts = "".join(f"<p>{e(c)}</p>" for c in self.pub.contacts)
        legal = "".join(f'<li><a href="{e(h)}">{e(t)}</a></li>' for t, h in self.pub.legal)
        return (
            '<footer class="site-footer"><div class="container">\n'
            f'  <div class="footer-contact">{contacts}</div>\n'
            f'  <ul class="footer-links">{legal}</ul>\n'
            '  <p class="footer-note">Kingdom of Norland &middot; Department of External Relations</p>\n'
            "</div></footer>"
        )

    def share(self, url: str, title: str) -> str:
        links = " ".join(
            f'<a class="social-{k}" href="{h}" title="{label}">{label}</a>'
            for k, label, h in share_links(url, title)
        )
        return f'<div class="social-share"><strong>Share this:</strong> {links}</div>'

    def article_main(self, art: Article, revision: int, url: str) -> str:
        return (
            '<div class="container page-body"><div class="col-main">\n'
            '<div class="press-release">\n'
            f'  <p class="release-type">{e(self.pub.short_name)} &middot; {e(art.kind.replace("-", " ").title())}</p>\n'
            f'  <h1 class="release-title">{e(art.title)}</h1>\n'
            f'  <p class="release-date"><time datetime="{self.iso(art.published)}">{self.display_date(art.published)}</time></p>\n'
            '  <div class="article-body">\n'
            f"{self.article_body(art, revision)}\n"
            "  </div>\n"
            f"  {self.share(url, art.title)}\n"
            "</div>\n"
            f"</div>\n{self.sidebar()}</div>"
        )

    def listing_main(self, heading: str, items: list[Article], pager: str = "") -> str:
        rows = "\n".join(
            f'<li class="release-item"><span class="release-item-date">{self.display_date(a.published)}</span> '
            f'<a href="{e(a.path)}">{e(a.title)}</a></li>'
            for a in items
        )
        return (
            '<div class="container page-body"><div class="col-main">\n'
            f'<h1>{e(heading)}</h1>\n<ul class="release-list">\n{rows}\n</ul>\n{pager}\n'
            f"</div>\n{self.sidebar()}</div>"
        )


THEMES: dict[str, type[Theme]] = {
    "ministry": MinistryTheme,
    "secretariat": SecretariatTheme,
    "spokesperson": SpokespersonTheme,
}


# ---------------------------------------------------------------------------------------------
# feeds, sitemaps, robots


def _xml(text: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text).encode("utf-8")


def rss(pub: Publisher, base: str, revision: int) -> Resource:
    items = [a for a in pub.public_articles if a.in_feed][: pub.feed_items]
    built = max(a.published for a in items)
    entries = "\n".join(
        "    <item>\n"
        f"      <title>{e(a.title)}</title>\n"
        f"      <link>{e(base + a.path)}</link>\n"
        f'      <guid isPermaLink="true">{e(base + a.path)}</guid>\n'
        f"      <pubDate>{format_datetime(a.published)}</pubDate>\n"
        f"      <category>{e(a.kind)}</category>\n"
        f"      <description>{e(a.summary)}</description>\n"
        "    </item>"
        for a in items
    )
    text = (
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">\n  <channel>\n'
        f"    <title>{e(pub.name)}: {e(pub.section_title)}</title>\n"
        f"    <link>{e(base + pub.section_path)}</link>\n"
        f'    <atom:link href="{e(base)}/rss.xml" rel="self" type="application/rss+xml"/>\n'
        f"    <description>{e(pub.description)}</description>\n"
        "    <language>en</language>\n"
        f"    <lastBuildDate>{format_datetime(built)}</lastBuildDate>\n"
        f"{entries}\n  </channel>\n</rss>\n"
    )
    return Resource(_xml(text), RSS, built)


def atom(pub: Publisher, base: str, revision: int) -> Resource:
    items = [a for a in pub.public_articles if a.in_feed][: pub.feed_items]
    updated = max(a.last_modified(revision) for a in items)
    entries = "\n".join(
        "  <entry>\n"
        f"    <title>{e(a.title)}</title>\n"
        f'    <link rel="alternate" type="text/html" href="{e(base + a.path)}"/>\n'
        f"    <id>tag:dexr.norland.example,{a.published:%Y-%m-%d}:{e(a.slug)}</id>\n"
        f"    <published>{a.published.isoformat()}</published>\n"
        f"    <updated>{a.last_modified(revision).isoformat()}</updated>\n"
        f"    <author><name>{e(pub.short_name)}</name></author>\n"
        f"    <summary>{e(a.summary)}</summary>\n"
        "  </entry>"
        for a in items
    )
    text = (
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">\n'
        f"  <title>{e(pub.name)}: {e(pub.section_title)}</title>\n"
        f"  <subtitle>{e(pub.description)}</subtitle>\n"
        f'  <link rel="self" type="application/atom+xml" href="{e(base)}/feeds/statements.atom"/>\n'
        f'  <link rel="alternate" type="text/html" href="{e(base)}{e(pub.section_path)}"/>\n'
        "  <id>tag:dexr.norland.example,2024:statements</id>\n"
        f"  <updated>{updated.isoformat()}</updated>\n"
        f"{entries}\n</feed>\n"
    )
    return Resource(_xml(text), ATOM, updated)


SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def urlset(items: list[Article], base: str, revision: int, *, date_only: bool) -> Resource:
    def lastmod(a: Article) -> str:
        dt = a.last_modified(revision)
        return dt.strftime("%Y-%m-%d") if date_only else dt.isoformat()

    rows = "\n".join(
        f"  <url>\n    <loc>{e(base + a.path)}</loc>\n    <lastmod>{lastmod(a)}</lastmod>\n  </url>"
        for a in items
    )
    text = f'<urlset xmlns="{SITEMAP_NS}">\n{rows}\n</urlset>\n'
    return Resource(_xml(text), XML, max(a.last_modified(revision) for a in items))


def yearly_sitemaps(pub: Publisher) -> dict[str, list[Article]]:
    """Site B's gzipped sitemaps: '/sitemaps/news-<year>.xml.gz' -> articles of that year."""
    out: dict[str, list[Article]] = {}
    for a in sorted(pub.public_articles, key=lambda a: a.published):
        out.setdefault(f"/sitemaps/news-{a.published.year}.xml.gz", []).append(a)
    return out


def sitemap_index(pub: Publisher, base: str, revision: int) -> Resource:
    groups = yearly_sitemaps(pub)
    rows = []
    newest = []
    for path, items in groups.items():
        last = max(a.last_modified(revision) for a in items)
        newest.append(last)
        rows.append(
            f"  <sitemap>\n    <loc>{e(base + path)}</loc>\n    <lastmod>{last.isoformat()}</lastmod>\n  </sitemap>"
        )
    text = f'<sitemapindex xmlns="{SITEMAP_NS}">\n' + "\n".join(rows) + "\n</sitemapindex>\n"
    return Resource(_xml(text), XML, max(newest))


def gzip_resource(res: Resource) -> Resource:
    return Resource(gzip.compress(res.body, compresslevel=9, mtime=0), GZIP, res.last_modified)


def robots(pub: Publisher, base: str, sitemap: str | None) -> Resource:
    lines = [
        f"# robots.txt for {pub.name}",
        "User-agent: *",
        f"Disallow: {pub.robots_disallow}",
        "Allow: /",
    ]
    if sitemap:
        lines += ["", f"Sitemap: {base}{sitemap}"]
    return Resource(("\n".join(lines) + "\n").encode("utf-8"), TEXT, pub.robots_modified)


# ---------------------------------------------------------------------------------------------
# routing


def listing_pages(pub: Publisher) -> list[list[Article]]:
    listed = [a for a in pub.articles if a.listed]
    n = max(1, math.ceil(len(listed) / pub.per_page))
    return [listed[i * pub.per_page : (i + 1) * pub.per_page] for i in range(n)]


def _html(text: str, last_modified: datetime) -> Resource:
    return Resource(text.encode("utf-8"), HTML, last_modified)


def render(
    pub: Publisher, base: str, revision: int, path: str, query: dict[str, str]
) -> Resource | None:
    """The resource at `path` (+ parsed query) for this publisher, or None (404)."""
    theme = THEMES[pub.theme](pub, base)
    art = pub.article_by_path(path)
    if art is not None:
        return _html(theme.article_page(art, revision), art.last_modified(revision))
    public = list(pub.public_articles)
    if path == "/":
        items = public[:5]
        text = theme.listing_page(heading=pub.name, items=items, path="/")
        return _html(text, max(a.published for a in public))

    if pub.theme == "ministry":
        if path == "/robots.txt":
            return robots(pub, base, None)
        if path == "/rss.xml":
            return rss(pub, base, revision)
        if path in ("/news", "/news/"):
            pages = listing_pages(pub)
            raw = query.get("page", "1")
            if not raw.isdigit() or not 1 <= int(raw) <= len(pages):
                return None
            n = int(raw)
            items = pages[n - 1]
            prev = f"/news?page={n - 1}" if n > 1 else None
            next_ = f"/news?page={n + 1}" if n < len(pages) else None
            links = []
            if prev:
                links.append(
                    f'<li class="pager__item pager__item--previous"><a href="{prev}" rel="prev">&lsaquo; Previous page</a></li>'
                )
            links.append(f'<li class="pager__item is-active">Page {n} of {len(pages)}</li>')
            if next_:
                links.append(
                    f'<li class="pager__item pager__item--next"><a href="{next_}" rel="next">Next page &rsaquo;</a></li>'
                )
            pager = f'<nav class="pager" role="navigation" aria-label="Pagination"><ul class="pager__items">{"".join(links)}</ul></nav>'
            text = theme.listing_page(
                heading=f"{pub.section_title}" + (f" (page {n})" if n > 1 else ""),
                items=items, path=f"/news?page={n}", prev=prev, next_=next_, pager=pager, active="/news",
            )  # fmt: skip
            return _html(text, max(a.published for a in items))
        return None

    if pub.theme == "secretariat":
        if path == "/robots.txt":
            return robots(pub, base, None)
        if path == "/sitemap_index.xml":
            return sitemap_index(pub, base, revision)
        groups = yearly_sitemaps(pub)
        if path in groups:
            return gzip_resource(urlset(groups[path], base, revision, date_only=False))
        if path == pub.section_path:
            text = theme.listing_page(heading=pub.section_title, items=public, path=path)
            return _html(text, max(a.published for a in public))
        return None

    if pub.theme == "spokesperson":
        if path == "/robots.txt":
            return robots(pub, base, "/sitemap.xml")
        if path == "/feeds/statements.atom":
            return atom(pub, base, revision)
        if path == "/sitemap.xml":
            return urlset(public, base, revision, date_only=True)
        if path == pub.section_path:
            text = theme.listing_page(heading=pub.section_title, items=public, path=path)
            return _html(text, max(a.published for a in public))
        return None
    return None


def entry_points(pub: Publisher) -> list[str]:
    """Every non-article path the publisher serves (for tests and manual poking)."""
    paths = ["/", "/robots.txt"]
    if pub.theme == "ministry":
        paths += ["/rss.xml", "/news"] + [
            f"/news?page={i + 1}" for i in range(len(listing_pages(pub)))
        ]
    elif pub.theme == "secretariat":
        paths += ["/sitemap_index.xml", *yearly_sitemaps(pub), pub.section_path]
    elif pub.theme == "spokesperson":
        paths += ["/feeds/statements.atom", "/sitemap.xml", pub.section_path]
    return paths
