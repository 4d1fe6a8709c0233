"""Screenshots of the built documentation, as a reader's browser shows it.

Build the docs first (the README has the command), then::

    python docs/screenshots.py                      # every page worth looking at
    python docs/screenshots.py user_guide api       # some pages, by name
    python docs/screenshots.py --scale 2            # as on a high-DPI screen

Each page is opened in headless Chromium (Debian's ``chromium`` package) with a
tall window, given time to run its scripts (MathJax typesets after the page has
loaded), and saved in tiles of ``--tile-height`` pixels, ``NAME-1.png``,
``NAME-2.png``, ..., that an image viewer shows at full size. Tiles below the end
of the page, all one colour, are not kept.

This is a tool for looking, not a test: nothing here decides whether a page
looks right. ``tests/test_docs_site.py`` checks what can be checked in the HTML.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

DOCS = Path(__file__).resolve().parent
DEFAULT_HTML = DOCS / "_build" / "html"
DEFAULT_OUT = DOCS / "_build" / "screenshots"
# The pages a new user meets, and the ones whose figures and math must render.
FIXED_PAGES = [
    "index",
    "quick_start",
    "user_guide",
    "api",
    "generated/skgd.CostHistoryDisplay",
    "generated/skgd.DescentPathDisplay",
    "generated/skgd.GradientDescentRegressor",
    "auto_examples/index",
    "changes",
]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def default_pages(html):
    """The fixed pages, then every gallery example, in reading order."""
    examples = sorted((html / "auto_examples").glob("plot_*.html"))
    return FIXED_PAGES + [f"auto_examples/{page.stem}" for page in examples]


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit(
        "No Chromium found: install it with "
        "`apt-get install -y chromium chromium-driver`."
    )


def screenshot(chromium, page_file, png, *, width, height, scale, budget_ms):
    """Save one screenshot of ``page_file``, a window ``width`` x ``height``."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--force-device-scale-factor={scale}",
                # Let MathJax and the theme's scripts finish before the shot.
                f"--virtual-time-budget={budget_ms}",
                f"--screenshot={png}",
                page_file.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def split_into_tiles(png, tile_height):
    """Cut ``png`` into tiles from the top; drop those of a single colour."""
    image = Image.open(png).convert("RGB")
    tiles = []
    for number, top in enumerate(range(0, image.height, tile_height), start=1):
        tile = image.crop((0, top, image.width, min(top + tile_height, image.height)))
        low, high = zip(*tile.getextrema(), strict=True)
        if low == high:
            break
        path = png.with_name(f"{png.stem}-{number}.png")
        tile.save(path)
        tiles.append(path)
    png.unlink()
    return tiles


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Headless Chromium screenshots of the built documentation."
    )
    parser.add_argument(
        "pages", nargs="*", help="pages without .html (default: the usual set)"
    )
    parser.add_argument("--html", type=Path, default=DEFAULT_HTML)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument(
        "--height", type=int, default=16000, help="window height: the page's length"
    )
    parser.add_argument("--tile-height", type=int, default=1600)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--budget-ms", type=int, default=15000)
    args = parser.parse_args(argv)

    if not (args.html / "index.html").exists():
        sys.exit(f"No built docs in {args.html}: build them first (see README).")
    chromium = find_chromium()
    args.out.mkdir(parents=True, exist_ok=True)
    for page in args.pages or default_pages(args.html):
        page_file = args.html / f"{page}.html"
        if not page_file.exists():
            sys.exit(f"No page {page_file}.")
        png = args.out / f"{page.replace('/', '__')}.png"
        screenshot(
            chromium,
            page_file,
            png,
            width=args.width,
            height=args.height,
            scale=args.scale,
            budget_ms=args.budget_ms,
        )
        tiles = split_into_tiles(png, int(args.tile_height * args.scale))
        print(f"{page}: {len(tiles)} tile(s), {tiles[0].name} ...")


if __name__ == "__main__":
    main()
