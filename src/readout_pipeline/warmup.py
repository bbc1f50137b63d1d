"""Imported by the cleaning workers' forkserver: clean and analyze one small built-in page once.

Cleaning loads data lazily on first use (dateparser's languages, trafilatura's and justext's
word lists, the extraction gazetteers, compiled regular expressions): about 35 MB and half a
second per process, and 1.3 s more the first time dateparser meets a string in no language it has
loaded yet (it then tries every locale it knows: on 1 WCXB page in 500). Done once here, in the
process every worker is forked from, it is shared by all of them (copy-on-write) instead of being
loaded again by each, and no worker pays for it on its first page.

Then every object there is moved out of the garbage collector's reach (`gc.freeze`): a worker's
full collections would otherwise write to the header of each inherited object, copying the pages
they sit on into the worker. Measured over the 1,497 WCXB pages (forkserver and two workers): PSS at
the end 268-273 MB in four runs against 285-286 MB in two without it, the same CPU; the peaks
(347-449 against 373-449 MB) depend on which large pages the workers hold at once.

Importing this module has these effects and nothing else (the forkserver imports it last).
"""

from __future__ import annotations

import gc
from datetime import UTC, datetime

from .metadata import text_date
from .pages import RawPage, parse_page

_SAMPLE = (
    b"<!doctype html><html lang='en'><head><title>Readout of the Secretary's Call with Foreign "
    b"Minister Example</title><meta name='description' content='Readout'></head><body><nav><a href='/'>"
    b"Home</a></nav><div class='cookie-banner'>We use cookies. Accept all</div><main><article><h1>"
    b"Readout of the Secretary's Call</h1><p>WASHINGTON, March 3, 2022 - Secretary of State Antony "
    b"J. Blinken spoke today with French Foreign Minister Jean-Yves Le Drian in Paris about Ukraine, "
    b"the Global Coalition to Defeat ISIS and humanitarian assistance. They pledged $10 million.</p>"
    b"<p>The Secretary and the Foreign Minister agreed to meet again at NATO in Brussels.</p></article>"
    b"</main><footer>&copy; 2022 Ministry. All rights reserved.</footer></body></html>"
)


def warm_up() -> None:
    page = RawPage(url="https://warmup.invalid/readout", fetch_url="https://warmup.invalid/readout",
                   source_id="warmup", raw_sha256="0" * 64, content_type="text/html; charset=utf-8",
                   charset="utf-8", fetched_at=datetime(2022, 3, 3, tzinfo=UTC), body=_SAMPLE)
    parse_page(page)
    text_date(None, "Ottawa, 1 January 2024 - The Minister spoke.")
    # A string in no language: dateparser loads every locale, as a page's odd string would later.
    from htmldate.extractors import get_external_parser

    get_external_parser().get_date_data("zzqx 2020 qzzx")
    _load_justext_stoplist()


def _load_justext_stoplist() -> None:
    """trafilatura's jusText fallback, on a page in no language it is told, uses the stop words
    of every language jusText knows (154,484 words: a tuple, then justext's cached frozenset of
    it): 31 MB and ~95 ms of CPU, built on first use. The sample page above never gets that far,
    so each worker built its own private copy on one of its first real pages."""
    from justext.core import define_stoplist
    from trafilatura import external

    define_stoplist(external.JT_STOPLIST or external.jt_stoplist_init())


warm_up()
gc.collect()  # what the warm-up left behind is not kept forever
gc.freeze()
