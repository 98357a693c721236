"""The HTML report in a real headless browser (Debian's chromium): it renders, and not blank.

Skipped when no chromium is installed (`apt-get install -y chromium`).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

RULESET = "tests/data/core_ruleset.yaml"
INPUTS = ["tests/data/core/good.txt", "tests/data/core/bad.txt", "tests/data/core/calls.csv"]

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG (what Chromium writes) into rows of raw pixel bytes."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1 : i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + a) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + b) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line) if channels == 3 else bytes(v for k, v in enumerate(line) if k % 4 != 3))
        prev = line
    return width, height, rows


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium); the HTML report was not rendered in a browser")
def test_html_report_renders_in_headless_chromium(cli, tmp_path):
    report = tmp_path / "report.html"
    code, _, err = cli("score", *INPUTS, "-r", RULESET, "-f", "html", "-o", str(report))
    assert code == 1, err
    shot = tmp_path / "shot.png"
    run = subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--hide-scrollbars", "--window-size=1000,900", f"--screenshot={shot}", report.as_uri(),
        ],
        capture_output=True, text=True, timeout=120,
    )
    assert shot.exists() and shot.stat().st_size > 0, run.stderr[-2000:]
    width, height, rows = png_pixels(shot)
    assert (width, height) == (1000, 900)
    pixels = {row[x : x + 3] for row in rows[::4] for x in range(0, len(row), 12)}
    assert len(pixels) > 20, "the screenshot is (nearly) one colour: the page did not render"
    # The charts' bars are drawn: the pass (green) and fail (red) band colours are on screen.
    green, red = bytes.fromhex("2da44e"), bytes.fromhex("cf222e")
    near = lambda target: any(all(abs(p[k] - target[k]) < 12 for k in range(3)) for p in pixels)  # noqa: E731
    assert near(green) and near(red)
