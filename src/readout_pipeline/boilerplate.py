"""Pattern data for the residual boilerplate pass in ``clean.py``.

Only general web-page chrome vocabulary lives here: consent banners, share/print
widgets, navigation aids, calls to action, press-contact headings. No rule names a
particular site, page, domain or benchmark string. Most patterns are *whole-line*
patterns: a line is dropped only when the line consists of nothing but the widget text
(plus punctuation), so a real sentence that merely mentions "share" or "print" stays.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

# The only characters outside ASCII that re.IGNORECASE matches to an ASCII letter ("İ" and "ı" to
# i, "ſ" to s, the Kelvin sign to k; checked over every code point in the tests).
_FOLDS_INTO_ASCII = re.compile("[\u0130\u0131\u017f\u212a]")


class Gated:
    """A case-insensitive pattern searched only in lines that could match it.

    `words` (lower case) are literals at least one of which every match of `pattern` contains,
    or with which the line starts (`starts`, for alternatives anchored with ``^``): each
    alternative of the pattern spells one out in literal characters. A line holding none of
    them cannot match, so `search` returns None without running the pattern, which is the
    costly part of the residual pass (one search per line of every page). The words are looked
    for in the line's ``str.lower()``, which agrees with case-insensitive matching on every
    character but four (`_FOLDS_INTO_ASCII`): a line holding one of those is always searched.
    Same results as ``pattern.search`` (tests/test_boilerplate_gates.py)."""

    __slots__ = ("pattern", "words", "starts")

    def __init__(self, pattern: re.Pattern[str], words: tuple[str, ...], starts: tuple[str, ...] = ()):
        assert pattern.flags & re.IGNORECASE and all(w == w.lower() for w in words + starts)
        self.pattern, self.words, self.starts = pattern, words, starts

    def search(self, line: str) -> re.Match[str] | None:
        if line.isascii() or not _FOLDS_INTO_ASCII.search(line):
            low = line.lower()
            if not (any(word in low for word in self.words) or low.startswith(self.starts)):
                return None
        return self.pattern.search(line)

# --- consent banners --------------------------------------------------------------------
# A line is a consent line when it is short and (a) mentions cookies in the site's own
# voice together with consent vocabulary, or (b) contains a consent-manager phrase.
COOKIE_WORD = re.compile(
    r"\bcookies\b|\bcookie (?:settings|policy|preferences|consent|notice|banner|statement|"
    r"declaration|choices)\b",
    _I,
)
SITE_VOICE = re.compile(
    r"\b(?:we|we'?re|we'?ll|we'?d|our|us|this (?:web)?site|this portal|the (?:web)?site|"
    r"you|your|you'?re)\b",
    _I,
)
CONSENT_VOCAB = re.compile(
    r"\b(?:uses?|using|accept\w*|agree\w*|consent\w*|allow\w*|enable\w*|disable\w*|manage|"
    r"settings|preferences|policy|store[sd]?|opt[- ]?(?:in|out)|reject\w*|declin\w*|"
    r"experience|brows\w+|personali[sz]\w*|analytics|third[- ]party|essential|necessary|"
    r"functional|tracking)\b",
    _I,
)
CONSENT_PHRASE = Gated(re.compile(
    r"\b(?:we value your privacy|your privacy (?:choices|options|settings)|"
    r"privacy (?:preference cent(?:er|re)|settings|preferences)|"
    r"manage (?:your )?(?:cookie|consent|privacy)\s?(?:preferences|settings|choices)|"
    r"consent (?:preferences|settings|manager|management)|"
    r"do not sell (?:or share )?my personal (?:information|data)|"
    r"(?:accept|reject|allow|decline|refuse|deny) all cookies|"
    r"by (?:continuing to )?(?:browse|browsing|use|using|visit|visiting|navigat\w+)\b"
    r".{0,60}\b(?:you (?:agree|consent|accept)|cookies))",
    _I,
), ("privacy", "cookie", "consent", "do not sell", "you agree", "you accept"))
# Buttons and headings of consent dialogs, as whole lines.
CONSENT_LINE = re.compile(
    r"^(?:(?:accept|allow|reject|decline|refuse|deny|disable|enable)(?: all| selected| selection)?"
    r"(?: cookies)?|(?:i )?(?:accept|agree)(?: and (?:close|continue))?|got it|"
    r"(?:cookie|privacy|consent) (?:settings|preferences|policy|notice|statement|declaration)|"
    r"(?:manage|customi[sz]e|change|save|update) (?:my |your )?(?:cookie |consent |privacy )?"
    r"(?:settings|preferences|choices|cookies|consent)|save and (?:close|exit)|"
    r"confirm my choices|(?:strictly )?necessary cookies|(?:functional|performance|analytics|"
    r"statistics|marketing|targeting|advertising) cookies|always active|"
    r"powered by (?:onetrust|cookiebot|usercentrics|didomi|cookieyes|iubenda|termly)|"
    r"cookies?(?: consent| banner)?|use necessary cookies only|only necessary(?: cookies)?)$",
    _I,
)

# --- share / print widgets and navigation aids (whole lines) ----------------------------
_SOCIAL = (
    r"facebook|twitter|x|linkedin|e-?mail|whatsapp|telegram|reddit|pinterest|bluesky|threads|"
    r"mastodon|tumblr|xing|vk|weibo|wechat|messenger|flipboard|pocket|sms"
)
SHARE_LINE = re.compile(
    r"^(?:click to )?(?:share|tweet|post|email|e-mail|send)(?: this)?"
    r"(?: (?:page|article|story|post|news|item|link|event|video|on))?"
    r"(?:(?: on| via| to| by)? ?(?:" + _SOCIAL + r"))*"
    r"(?: \(opens in (?:a )?new window\))?[:.!]?$",
    _I,
)
SOCIAL_ONLY_LINE = re.compile(r"^(?:(?:" + _SOCIAL + r"|share|print|copy link)[\s,|·•/]*){2,}$", _I)
WIDGET_LINE = re.compile(
    r"^(?:print(?: this)?(?: page| article| story| friendly(?: version)?| version)?|"
    r"(?:download|save) (?:as )?pdf|copy(?: the)? link|link copied(?: to clipboard)?|"
    r"e-?mail this(?: page| article| story)?|"
    r"(?:back|return|go back) to (?:top|the top|top of page)|top of page|to top|"
    r"skip to (?:main |page )?(?:content|navigation|search|footer|main)|"
    r"(?:jump to (?:navigation|search|content) ?)+|"
    r"begin text:?|end text\.?|"
    r"read more|read more (?:»|›|>|\.\.\.|…)|continue reading|load more|show more|see more|"
    r"view all|view more|loading(?:\.\.\.|…)?|"
    r"(?:advertisement|sponsored(?: content)?)(?:\s*[:|–—-]\s*.{1,60})?|"
    r"(?:related|recommended|popular|latest|more) (?:articles|posts|stories|content|news|links|"
    r"reading|topics)|you (?:may|might) also like|recommended for you|most (?:read|popular|viewed)|"
    r"(?:previous|next) (?:article|post|story|page|item)|"
    r"(?:leave|post|add|write) a (?:comment|reply|review)|no comments(?: yet)?|\d+ comments?|"
    r"log ?in|log ?out|sign ?in|sign ?up|sign ?out|register|create an account|my account|"
    r"subscribe(?: now| today| here)?|newsletter|newsletters|"
    r"(?:sign up|subscribe|join|register)(?: (?:for|to))? (?:our |the )?(?:free )?"
    r"(?:newsletter|mailing list|e-?mail (?:list|updates|alerts)|updates|alerts)|"
    r"follow us(?: on (?:" + _SOCIAL + r"|social media))?|"
    r"(?:was|is) this (?:page |article |information |content )?(?:helpful|useful)\??|"
    r"yes no|report a problem(?: with this page)?|"
    r"(?:expand|collapse)(?: all| description| details| section)?|show (?:less|details|description)|"
    r"pin (?:it |this )?for later|submit (?:a )?correction|report (?:an? )?(?:error|typo|issue)|"
    r"how (?:was|did you like) this (?:issue|article|post|newsletter|episode)\??|"
    r"rate this (?:article|post|recipe|page)|post a comment|comment (?:via|on)\b.{0,60}|"
    r"[\w .'-]{1,40}(?: and \d+ others?)? likes this|"
    r"table of contents|contents|on this page|in this (?:article|section|page)|"
    r"tags|categories|filed under|topics|share this|share|tweet|"
    r"you are here|breadcrumbs?|main (?:menu|navigation)|menu|navigation|search|close|"
    r"toggle (?:navigation|menu)|open menu|close menu)[:.!]?$",
    _I,
)
# "Last updated: 3 May 2024" and "Page last reviewed ..." (short lines only).
UPDATED_LINE = re.compile(
    r"^(?:page )?last (?:updated|modified|reviewed)(?: on)?\b[:\s].{0,40}$", _I
)
COPYRIGHT_LINE = re.compile(r"^(?:©|\(c\)|copyright\b)|\ball rights reserved\b", _I)
# Decoration-only lines (###, ***, * * *, ---, ===, ~~~) and the newswire end mark. Other
# symbol-only lines ("}", "...", footnote marks) can be code or table content: kept.
SYMBOL_ONLY_LINE = re.compile(r"^(?:[#*=~_\-–—•·]\s*){3,}$")
END_MARK_LINE = re.compile(r"^(?:[-–—]\s*(?:30|xxx)\s*[-–—]|#\s*#\s*#|-?\s*ends?\s*-)$", _I)

# --- breadcrumbs and link-header lines --------------------------------------------------
BREADCRUMB_SEP = re.compile(r"\s*(?:>|»|›|→|::|/|\|)\s*")
BREADCRUMB_START = re.compile(r"^(?:you are here:?\s*)?(?:home|homepage|start|main page)\b", _I)
MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")
URLISH = re.compile(r"^(?:https?://|www\.)|^[\w-]+(?:\.[\w-]+)+(?:/\S*)?$", _I)

# --- press-contact blocks ---------------------------------------------------------------
CONTACT_HEADING = re.compile(
    r"^(?:for (?:further|more|additional) information|(?:media|press|news) (?:contacts?|"
    r"enquiries|inquiries|office|relations|queries)|contacts?|for media (?:enquiries|inquiries)|"
    r"(?:media|press) contact information|contact information|"
    r"journalists? (?:may|can) contact|press officer|spokesperson)\b",
    _I,
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?:\+|\b00|\(\d)[\d\s().-]{6,}\d|\b\d{3}[\s.-]\d{3}[\s.-]\d{4}\b")
PRESS_ROLE = re.compile(
    r"\b(?:press (?:officer|secretary|attach[ée]|office)|spokes(?:person|man|woman)|"
    r"media (?:relations|officer|adviser|advisor)|communications? (?:officer|adviser|advisor|"
    r"director|manager))\b",
    _I,
)

# --- republication prefaces -------------------------------------------------------------
# What a publisher puts above a text it republishes: a kicker line made only of office and
# document-type labels ("Office of the Spokesperson · Joint Statement", "Media Note"), and a
# sentence introducing the text ("The following statement was released by ..."). Only the
# first few lines of a document are checked.
KICKER_LABEL = re.compile(
    r"^(?:(?:the )?office of the (?:spokesperson|spokesman|press secretary|high representative)|"
    r"media note|press statement|press release|joint statement|joint communiqu[eé]|communiqu[eé]|"
    r"readout|statement|for immediate release|news release|fact sheet)$",
    _I,
)
KICKER_SEPARATORS = re.compile(r"\s*[·|•–—]\s*|\s+-\s+")
PREFACE_SENTENCE = re.compile(
    r"^(?:begin text:?\s*)?the following (?:joint |press )?(?:statement|communiqu[eé]|readout|"
    r"declaration|text|release)s?\b.{0,300}?\b(?:was|were|is|are|has been|have been)\s+"
    r"(?:released|issued|published|adopted|agreed|made)\b.{0,300}[.:]$",
    _I,
)

# --- sign-up forms, calls to action, shop and community chrome (whole lines) ----------------
# The consent small print under a sign-up or contact form ("By signing up, you agree to our
# Privacy Policy", "I agree that ... may contact me"), in the site's or the reader's voice.
FORM_CONSENT = Gated(re.compile(
    r"\bby (?:signing up|subscribing|registering|submitting|clicking|providing (?:my|your) "
    r"(?:e-?mail|details|information|phone)|entering (?:my|your) e-?mail|continuing)\b"
    r".{0,120}\b(?:agree|consent|accept|acknowledge)|"
    r"\b(?:i|you) (?:agree|consent)\w*\b.{0,120}\b(?:our|the) (?:privacy (?:policy|notice|statement)"
    r"|terms(?: of (?:use|service))?(?: (?:and|&) conditions)?)\b|"
    r"\bagree\w* to our (?:terms|privacy (?:policy|notice|statement))\b|"
    r"\bterms of submitting this form\b|\bi (?:agree|consent) (?:that|to receive)\b|"
    # data-collection notices pointing to the site's own policy
    r"\b(?:see|read|review|visit|refer to|consult) our (?:privacy|cookie) (?:policy|notice|statement)\b|"
    r"\b(?:use|fill (?:in|out)) the (?:contact )?form (?:on the (?:right|left)|below|above) to "
    r"(?:contact|reach|get in touch with) us\b|"
    r"\bcollect\w*\b.{0,200}\bwhen you (?:visit|use|browse) (?:this|our) (?:web ?)?site\b",
    _I,
), ("by signing up", "by subscribing", "by registering", "by submitting", "by clicking", "by providing",
    "by entering", "by continuing", "agree", "consent", "terms of submitting", "privacy", "cookie", "form on the",
    "form below", "form above", "when you visit", "when you use", "when you browse"))
# Affiliate / advertiser disclosures: commercial small print, never a readout's text.
AFFILIATE_DISCLOSURE = Gated(re.compile(
    r"\b(?:as an amazon associate|(?:this (?:web)?site|this post|we) (?:uses?|contains?) affiliate "
    r"links?|affiliate links?\b.{0,80}\b(?:commission|earn)|(?:we|i) (?:may )?(?:earn|receive) "
    r"(?:a )?(?:small )?(?:commission|compensation)|earn from qualifying purchases|advertiser "
    r"disclosure|products are chosen independently|we may be compensated|(?:this (?:web)?site|we) "
    r"(?:may )?receives? (?:financial )?compensation|(?:is )?supported by commissions|may receive "
    r"(?:a )?commission)\b",
    _I,
), ("amazon", "affiliate", "earn", "receive", "advertiser", "independently", "compensated",
    "supported by commissions"))
# Short call-to-action, shop and account lines.
CTA_LINE = re.compile(
    r"^(?:"
    # newsletter and e-mail sign-ups
    r"(?:sign up|subscribe|join|register)\b.{0,60}\b(?:newsletter|inbox|mailing list|e-?mail "
    r"(?:list|updates|alerts)|updates|latest (?:news|posts|updates))\b.{0,60}|"
    r"subscribe (?:to|for) (?:get|receive|our|the latest|us)\b.{0,60}|"
    r"(?:get|receive)\b.{0,60}\b(?:delivered )?(?:to|in|into) your inbox\b.{0,30}|"
    r"(?:stay|keep) (?:up to date|updated|in the loop|informed)\b.{0,60}|"
    # back links and "more" links
    r"(?:back|return|go back) to (?:the )?(?:blog|blogs|news|articles?|posts?|all \w+|home|"
    r"homepage|search results|overview)|blog index|all (?:posts|articles|stories)|"
    r"more (?:posts|articles|stories)|"
    # shop chrome
    r"add(?:ed)? to (?:your )?(?:cart|bag|basket|wish ?list)\b.{0,40}|(?:out of|in) stock|sold out|"
    r"(?:regular|sale|unit|list) price|shop (?:now|here|online|the (?:look|post|latest|collection)|"
    r"this (?:post|look))|buy (?:it )?now|"
    r"free (?:fast |standard |express )?(?:shipping|delivery)(?: (?:on|over|for) .{1,30})?|"
    r"ships (?:from|to)\b.{0,30}|save (?:up to )?(?:\d+%|[$€£]\d+)(?: (?:off|on|with)\b.{0,50})?|"
    r"best ?sellers?|new arrivals|shop all(?: [\w&' ]{1,20})?|new (?:&|and) featured|"
    r"(?:this is what )?(?:customers|people|shoppers) who (?:viewed|bought|purchased) this "
    r"(?:item|product)(?: also (?:viewed|bought|purchased))?|(?:your )?recently viewed(?: items| "
    r"products)?|frequently bought together|customers also (?:viewed|bought)|"
    r"(?:see|read|show) all reviews|customer reviews|write a review|"
    r"(?:sort (?:and|&) filter|filter (?:and|&) sort|sort by|filter by)|"
    # calls to action
    r"get started(?: today| now| for free| free)?|book a (?:demo|call|consultation)|"
    r"request a (?:demo|quote|call ?back)|get a (?:free )?(?:quote|demo)(?: today)?|"
    r"start (?:a|your) free trial|try (?:it )?(?:for )?free|learn more|find out more|"
    r"(?:book|schedule|request) (?:a |an |your )?(?:free )?(?:demo|call|consultation|appointment|"
    r"quote|discovery call)(?: with [\w .&'-]{1,30})?(?: today| now| online)?|"
    r"(?:questions\?\s*)?(?:live |video )?(?:chat|talk|speak) (?:with|to) (?:an?|our) (?:\w+ )?"
    r"(?:expert|specialist|advisor|adviser)(?: (?:now|today|-? ?live))?|"
    r"click here to (?:log ?-?in|sign ?-?in|register|sign ?-?up|subscribe|join|donate)\b.{0,30}|"
    r"(?:sign|log) ?-?in now|(?:register|create) (?:a )?(?:new|free) account|join (?:now|today|for free)|"
    r"contact us(?: today)?|get in touch|donate(?: now| today)?|"
    r"share your (?:story|thoughts|experience|feedback)|help (?:me|us) spread the word\b.{0,40}|"
    r"get the latest (?:news|updates|insights|articles|posts|stories|offers)\b.{0,80}|"
    # logo walls
    r"(?:trusted|loved) by .{0,60}|as (?:seen|featured) (?:in|on)|in partnership with|"
    r"proudly (?:supporting|supported by|partnered with)|"
    # accounts and community
    r"you are not logged in|(?:create an account or )?(?:sign|log) ?in to (?:comment|reply|post)\b.{0,40}|"
    r"create an account or sign in\b.{0,40}|you (?:need|must) (?:to )?be (?:a member|logged in)\b"
    r".{0,60}|follow (?:the )?author|(?:written|posted) by [\w .'-]{2,40}|\d+ min(?:ute)?s? read|"
    r"join(?:ed)? date:?[\w ,]{0,20}|posts: [\d,.]+|"
    r"(?:joined|messages|reaction score|points|posts|likes received|trophies)(?: [\d,.]+)?|"
    r"this topic was automatically closed\b.{0,80}|"
    r"(?:trending|popular|recent) searches|type to search\b.{0,30}"
    r")[:.!?]?$",
    _I,
)

# Teaser lines pointing to other articles ("Related: ...", "Read more: ...", "You might also
# like: ...", "Next article: ..."): a label, a separator, a headline.
TEASER_LINE = re.compile(
    r"^(?:related(?: (?:articles?|posts?|stories|reading|content|news|links?))?|"
    r"(?:you )?(?:may|might) also (?:like|enjoy)|also read|read also|read more|read next|up next|"
    r"more from [\w .&'-]{1,30}|recommended(?: reading)?|(?:next|previous) (?:article|post|story)|"
    r"don'?t miss)\s*[:»›>|–—-]\s*\S",
    _I,
)
# Sentences addressed to the reader that sell the site rather than say anything: newsletter
# pitches, "follow us on ..." and "join our ... group", account prompts, "if you liked this, share it", recipe-rating requests, paywall
# notices and reader-funding appeals.
READER_PITCH = Gated(re.compile(
    r"\b(?:sign up|subscribe|join|register|opt in)\b (?:now |today )?(?:(?:for|to) )?(?:our|my|the) "
    r"(?:free |weekly |daily |monthly |e-?mail )*(?:newsletters?|mailing list|e-?mail list|"
    r"e-?mail updates)\b|"
    r"\bfollow (?:me|us) on (?:facebook|instagram|twitter|x|tiktok|youtube|linkedin|pinterest|threads|"
    r"bluesky|mastodon)\b|\bjoin (?:the|our|my) (?:facebook|discord|slack|telegram|whatsapp|reddit) "
    r"(?:group|community|server|channel)\b|"
    r"^(?:already (?:have an account|a (?:member|subscriber))|don'?t have an account|not a member|"
    r"new here\?|(?:sign|log) ?(?:in|up) (?:or|to|for) (?:create|register|a new account|sign up|"
    r"join|comment|reply|post)|create (?:a|your) (?:free )?account (?:or|to))\b|"
    r"\bif you (?:liked|enjoyed|found) this (?:article|post|story|episode|podcast|video|recipe|piece|"
    r"newsletter)\b.{0,120}\b(?:shar\w*|subscrib\w*|like|follow|support)\b|"
    r"\b(?:did you (?:make|try) (?:this|one of (?:my|our)) recipes?|please (?:leave|give) (?:a|it a) "
    r"(?:star )?rating)\b|"
    r"\bthis (?:article|story|content|post) is (?:exclusive|only available|available only) (?:to|for) "
    r"(?:\S+ )?(?:subscribers|members)\b|\b(?:subscribe|log ?in|sign ?in) to (?:continue|keep) "
    r"reading\b|"
    r"\b(?:(?:support|fund) (?:our|independent|quality|nonprofit|non-profit) (?:journalism|newsroom|"
    r"reporting)|this (?:story|article|content|reporting|work) (?:is|was) (?:made possible|funded|"
    r"supported) by (?:readers|members|donors|donations|you))\b",
    _I,
), ("newsletter", "mailing list", "mail list", "mail updates", "follow me on", "follow us on", "join the ",
    "join our ", "join my ", "if you liked", "if you enjoyed", "if you found", "recipe", "rating", "subscribers",
    "members", "continue reading", "keep reading", "journalism", "newsroom", "reporting", "possible by",
    "funded by", "supported by"), starts=("already", "don", "not a member", "new here", "sign", "log", "create"))
