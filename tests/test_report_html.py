"""`readout report-html`: one self-contained HTML file, rendered in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import duckdb
import pytest
from demo_warehouse import demo_warehouse

from readout_pipeline import cli, report_html

CHROMIUM = os.environ.get("READOUT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--enable-logging=stderr", "--v=0",
]


def require_chromium() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    message = f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def html_file(tmp_path_factory):
    db = demo_warehouse(tmp_path_factory)
    out = tmp_path_factory.mktemp("html") / "report.html"
    assert cli.main(["report-html", str(out), "--db", str(db)]) == 0
    return out


def chromium(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    browser = require_chromium()
    profile = tmp_path / "profile"
    return subprocess.run(
        [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=180, check=False,
    )


def png_colours(path: Path, row_step: int = 7) -> int:
    """Distinct RGB colours in a PNG (8-bit RGB/RGBA, non-interlaced), in pure Python."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat.append(chunk)
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, header
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    previous = bytearray(stride)
    colours: set[bytes] = set()
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = previous[i]
                c = previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        if y % row_step == 0:
            colours.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp))
        previous = line
    return len(colours)


def test_the_page_is_self_contained(html_file):
    text = html_file.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<svg" in text and "<section>" in text
    # Nothing is loaded from elsewhere: no external script, style, image, font or frame.
    assert not re.search(r"<(script|img|iframe|link)\b[^>]*\b(src|href)=", text, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text, re.I)
    assert "@import" not in text
    assert "default-src 'none'" in text  # and the page's own policy forbids it


def test_renders_in_headless_chromium_without_errors(html_file, tmp_path):
    url = html_file.resolve().as_uri()
    dom = chromium(["--dump-dom", url], tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-render="ok"' in dom.stdout, re.findall(r'data-render="[^"]*"', dom.stdout)
    errors = [line for line in dom.stderr.splitlines()
              if "Uncaught" in line or ("CONSOLE" in line and "error" in line.lower())
              or "Content Security Policy" in line or "Refused to" in line]
    assert errors == []

    png = tmp_path / "report.png"
    shot = chromium(["--window-size=1280,2000", f"--screenshot={png}", "--hide-scrollbars", url], tmp_path)
    assert shot.returncode == 0 and png.exists(), shot.stderr[-2000:]
    assert png_colours(png) > 40, "the screenshot is (nearly) blank"


def test_charts_draw_the_data(html_file):
    text = html_file.read_text(encoding="utf-8")
    assert 'aria-label="Publisher activity' in text and "<rect" in text
    assert 'aria-label="Meetings timeline' in text and 'aria-label="Country mentions over time' in text


def test_every_section_is_filled_on_the_demo_warehouse(tmp_path_factory):
    con = duckdb.connect(str(demo_warehouse(tmp_path_factory)), read_only=True)
    try:
        _, problems = report_html.render(con)
    finally:
        con.close()
    assert problems == []


def test_png_decoder_sees_a_blank_image(tmp_path):
    width, height = 8, 4
    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = tmp_path / "blank.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                    + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    assert png_colours(png, row_step=1) == 1
