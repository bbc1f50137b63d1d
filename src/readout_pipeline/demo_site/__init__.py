"""A bundled sample site of fictional official publishers, served on 127.0.0.1.

`readout demo` crawls it and integration tests run the real ingest flow against it::

    from readout_pipeline.demo_site import DemoSite

    with DemoSite(revision=1) as site:
        sources = site.sources()      # config.Source objects for the running ports
        facts = site.expected()       # counts and paths to assert against
        site.revision = 2             # one page changes

All text is fictional or written for this project. Content lives in `content/<publisher>/`.
"""

from .server import DemoSite, etag_for

__all__ = ["DemoSite", "etag_for"]
