"""The keyword gates in front of the residual pass's costliest patterns (boilerplate.Gated) never
change a result: on every line below, on random variants of them and on the lines trafilatura
keeps from real pages, `gated.search` finds exactly what the pattern itself finds. The WCXB case
reads ../shared (or $READOUT_SHARED), skipped without."""

from __future__ import annotations

import gzip
import os
import random
import re
import string
from pathlib import Path

import pytest

from readout_pipeline import boilerplate as bp

SHARED = Path(os.environ.get("READOUT_SHARED") or Path(__file__).resolve().parents[2] / "shared")
WCXB = SHARED / "corpora" / "wcxb-dev" / "html"

GATED = {name: value for name, value in vars(bp).items() if isinstance(value, bp.Gated)}

# At least one line per alternative of every gated pattern (each must match), and near misses.
MATCHING = {
    "CONSENT_PHRASE": [
        "We value your privacy", "Your privacy choices", "Privacy preference center", "Privacy settings",
        "Manage cookie preferences", "Manage your consent settings", "Consent manager",
        "Do not sell or share my personal information", "Reject all cookies",
        "By continuing to browse this site you agree to our use of cookies",
        "By using this website, you accept", "By navigating the site we may set cookies",
    ],
    "FORM_CONSENT": [
        "By signing up you agree to our terms", "By subscribing, you acknowledge our policy",
        "By providing your email you consent to receive updates", "By entering my email I accept",
        "By clicking submit you agree", "By continuing you agree to the terms", "By registering you accept",
        "By submitting this form I acknowledge", "I agree to the privacy policy",
        "You consented to our terms of use", "You agree to the Terms and Conditions",
        "Agreeing to our privacy notice", "Terms of submitting this form", "I consent to receive emails",
        "I agree that my data is stored", "Read our cookie policy", "Please see our privacy statement",
        "Use the contact form below to reach us", "Fill out the form on the right to get in touch with us",
        "We collect information when you visit this website", "By signing up you acknowledge the terms",
        "By clicking below you accept", "By providing your details you accept", "By continuing you acknowledge it",
        "Use the form above to contact us", "We collect data when you use our site",
        "Details collected when you browse our website",
    ],
    "AFFILIATE_DISCLOSURE": [
        "As an Amazon Associate I earn from qualifying purchases", "This site uses affiliate links",
        "This post contains affiliate links", "Affiliate links may earn us a commission",
        "We may earn a small commission", "I receive compensation", "Earn from qualifying purchases",
        "Advertiser Disclosure", "Products are chosen independently by our editors",
        "We may be compensated", "This website may receive financial compensation",
        "The site is supported by commissions", "We may receive a commission", "As an Amazon Associate",
    ],
    "READER_PITCH": [
        "Sign up for our free weekly newsletter", "Subscribe to the email list", "Join our mailing list",
        "Register today for the e-mail updates", "Follow us on Twitter", "Follow me on Instagram",
        "Join our Facebook group", "Join the Discord server", "Already have an account? Log in",
        "Already a subscriber?", "Don't have an account?", "Not a member yet?", "New here?Join now",
        "Sign in to comment", "Log in or create an account", "Create a free account to read",
        "If you enjoyed this article, please share it", "If you found this post useful, subscribe",
        "Did you make this recipe?", "Please leave a star rating", "This article is exclusive to subscribers",
        "This story is only available for paying members", "Subscribe to continue reading",
        "Log in to keep reading", "Support independent journalism", "Fund our newsroom",
        "This reporting was made possible by readers", "This work is funded by donors",
        "This content was supported by members", "Subscribe to our mailing list", "Join my Telegram channel",
        "If you liked this video, like it", "Support quality reporting", "This story was made possible by you",
        "This work was supported by readers",
    ],
}
NOT_MATCHING = [
    "The ministers agreed on a joint communiqué on privacy of diplomatic correspondence.",
    "The European Commission will receive the report; the delegations signed the agreement.",
    "Readout of the Secretary's meeting with the Foreign Minister of Japan",
    "", " ", "—", "Déclaration conjointe — « accord » signé à Genève",
]


def _same(gated: bp.Gated, line: str) -> bool:
    a, b = gated.search(line), gated.pattern.search(line)
    return (a is None and b is None) or (a is not None and b is not None and a.span() == b.span())


def test_every_alternative_is_matched_through_the_gate():
    assert set(GATED) == set(MATCHING)
    for name, lines in MATCHING.items():
        gated = GATED[name]
        for line in lines:
            assert gated.pattern.search(line), (name, line)  # the example is a real match
            assert gated.search(line), (name, line)


def test_gates_agree_with_their_patterns_on_variants():
    rng = random.Random(7)
    specials = "İıſ\u212a’“”—é"
    lines = [line for lines in MATCHING.values() for line in lines] + NOT_MATCHING
    variants = list(lines)
    for line in lines:
        for _ in range(12):
            chars = [c.upper() if rng.random() < 0.3 else c for c in line]
            if chars and rng.random() < 0.5:  # a letter replaced by one that folds into ASCII, or not
                chars[rng.randrange(len(chars))] = rng.choice(specials)
            variant = "".join(chars)
            variants += [variant, f"{rng.choice(['', '» ', 'Note: '])}{variant}{rng.choice(['', '.', ' …'])}"]
    for gated in GATED.values():
        for line in variants:
            assert _same(gated, line), (gated.pattern.pattern[:40], line)


def test_only_four_characters_outside_ascii_fold_into_ascii_letters():
    """What the gates' lower-casing relies on: re.IGNORECASE matches an ASCII letter with an
    ASCII letter or with one of `_FOLDS_INTO_ASCII`, nothing else."""
    letters = re.compile("[a-z]", re.IGNORECASE)
    folding = {chr(cp) for cp in range(0x80, 0x110000) if letters.fullmatch(chr(cp))}
    assert folding == {"\u0130", "\u0131", "\u017f", "\u212a"}
    assert all(bp._FOLDS_INTO_ASCII.search(c) for c in folding)
    for c in folding:  # the character class agrees with single letters
        assert any(re.fullmatch(a, c, re.IGNORECASE) for a in string.ascii_lowercase)


@pytest.mark.skipif(not WCXB.is_dir(), reason="../shared/corpora/wcxb-dev not present")
def test_gates_agree_with_their_patterns_on_real_page_lines():
    import trafilatura

    lines: list[str] = []
    for path in sorted(WCXB.glob("*.html.gz"))[:120]:
        text = trafilatura.extract(gzip.decompress(path.read_bytes()).decode("utf-8", "replace"),
                                   include_comments=True, include_tables=True) or ""
        lines += text.splitlines()
    assert len(lines) > 5000
    matched = 0
    for gated in GATED.values():
        for line in lines:
            assert _same(gated, line), line
            matched += gated.pattern.search(line) is not None
    assert matched > 0
