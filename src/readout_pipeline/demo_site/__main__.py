"""`python -m readout_pipeline.demo_site [--revision N] [--port KEY=PORT ...]`: serve until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .server import DemoSite

DEFAULT_PORTS = {"valdoria": 8701, "coalition": 8702, "norland": 8703}


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m readout_pipeline.demo_site", description=__doc__
    )
    parser.add_argument(
        "--revision", type=int, default=1, help="content revision to serve (1 or 2)"
    )
    parser.add_argument(
        "--port",
        action="append",
        default=[],
        metavar="KEY=PORT",
        help="preferred port for a publisher (0 = any free port); default 8701-8703",
    )
    args = parser.parse_args(argv)
    ports = dict(DEFAULT_PORTS)
    for item in args.port:
        key, _, port = item.partition("=")
        if not port.isdigit():
            parser.error(f"--port expects KEY=PORT, got {item!r}")
        ports[key] = int(port)
    try:
        site = DemoSite(revision=args.revision, ports=ports)
    except ValueError as exc:
        parser.error(str(exc))
    with site:
        print(f"Demo site, revision {site.revision} (Ctrl-C to stop):")
        for key, base in site.base_urls.items():
            pub = site.publishers[key]
            print(f"  {key:<10} {base}/  {pub.name}")
            for path in site.entry_points()[key][1:]:
                print(f"  {'':<10} {base}{path}")
        sys.stdout.flush()
        signal.signal(signal.SIGINT, _interrupt)  # also when started in the background
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
