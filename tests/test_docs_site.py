"""The built documentation, as a reader gets it: built once here, with Sphinx
warnings as errors, from a copy of docs/ and examples/, and read as HTML.

What a browser shows is looked at with docs/screenshots.py; what the HTML says is
checked here: no script from another site (the math comes with the build),
figures sized for the text column and sharp on high-DPI screens, example code
and output that fit the column, copy buttons that leave prompts out, the
landing page and the changelog.
"""

import html
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
# What the text column holds: 60em of pydata-sphinx-theme with no left sidebar,
# at 16 px, less its padding (docs/conf.py, docs/_static/skgd.css).
COLUMN_PX = 900
# Monospace code at 0.875em is about 8.4 px a character: the column holds 100.
CODE_COLUMNS = 88


class _Page(HTMLParser):
    """The scripts, stylesheets, images, links and preformatted text of a page."""

    def __init__(self):
        super().__init__()
        self.scripts, self.stylesheets, self.images, self.links = [], [], [], []
        self.pre, self._in_pre = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        elif tag == "link" and "stylesheet" in (attrs.get("rel") or ""):
            self.stylesheets.append(attrs.get("href", ""))
        elif tag == "img":
            self.images.append(attrs)
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "pre":
            self._in_pre += 1
            self.pre.append("")

    def handle_endtag(self, tag):
        if tag == "pre":
            self._in_pre -= 1

    def handle_data(self, data):
        if self._in_pre:
            self.pre[-1] += data


def _read(path):
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _text(path):
    """The words of a page, without its tags."""
    text = re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8"))
    return re.sub(r"\s+", " ", html.unescape(text))


def _is_remote(url):
    return bool(re.match(r"^([a-z][a-z0-9+.-]*:)?//", url, re.IGNORECASE))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The HTML site, built as the README's docs command builds it."""
    work = tmp_path_factory.mktemp("docs-build")
    generated = shutil.ignore_patterns(
        "_build", "auto_examples", "generated", "sg_execution_times.rst"
    )
    shutil.copytree(ROOT / "docs", work / "docs", ignore=generated)
    shutil.copytree(ROOT / "examples", work / "examples")
    shutil.copy(ROOT / "CHANGES.rst", work / "CHANGES.rst")
    html = work / "docs" / "_build" / "html"
    # The inventories of other projects' docs are not this test's business.
    env = {**os.environ, "SKGD_DOCS_INTERSPHINX": "never", "MPLBACKEND": "Agg"}
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html"]
        + ["-q", str(work / "docs"), str(html)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert build.returncode == 0, build.stderr[-5000:]
    return html


def _pages(html):
    return sorted(html.rglob("*.html"))


def test_no_page_loads_a_script_or_stylesheet_from_another_site(site):
    for path in _pages(site):
        page = _read(path)
        remote = [u for u in page.scripts + page.stylesheets if _is_remote(u)]
        assert not remote, f"{path.relative_to(site)} loads {remote}"


def test_the_math_is_typeset_by_the_mathjax_shipped_with_the_site(site):
    page = _read(site / "user_guide.html")
    mathjax = [src for src in page.scripts if "mathjax" in src.lower()]
    assert mathjax == ["_static/mathjax/tex-chtml.js"]
    assert (site / "_static" / "mathjax" / "tex-chtml.js").stat().st_size > 100_000
    # Its fonts, which it loads relative to itself.
    fonts = site / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    assert len(list(fonts.glob("*.woff"))) > 10
    text = (site / "user_guide.html").read_text(encoding="utf-8")
    assert text.count('class="math') > 50


def test_no_link_to_a_source_repository_that_does_not_exist(site):
    for path in _pages(site):
        links = [u for u in _read(path).links if "github.com/skgd" in u]
        assert not links, f"{path.relative_to(site)} links to {links}"


def _gallery_images(site):
    for path in sorted((site / "auto_examples").glob("plot_*.html")):
        for image in _read(path).images:
            if "sphx-glr" in (image.get("class") or "") and "thumb" not in image.get(
                "src", ""
            ):
                yield path, image


def test_every_example_has_its_page(site):
    examples = sorted(p.stem for p in (ROOT / "examples").glob("plot_*.py"))
    built = sorted(p.stem for p in (site / "auto_examples").glob("plot_*.html"))
    assert built == examples


def test_figures_fit_the_column_and_come_at_twice_the_resolution(site):
    images = list(_gallery_images(site))
    assert len(images) >= len(list((ROOT / "examples").glob("plot_*.py")))
    for path, image in images:
        one = (path.parent / image["src"]).resolve()
        width, height = Image.open(one).size
        # At 100 dpi, text of 10 points is 14 px tall; a wider figure would be
        # shrunk into the column and its text with it.
        assert width <= COLUMN_PX, f"{one.name} is {width} px wide"
        srcset = image.get("srcset", "")
        double = re.search(r"(\S+_2_00x\.png) 2(?:\.00)?x", srcset)
        assert double, f"{one.name} has no 2x image: {srcset!r}"
        two = (path.parent / double.group(1)).resolve()
        # Twice the size, give or take the rounding of a pixel.
        two_width, two_height = Image.open(two).size
        assert abs(two_width - 2 * width) <= 1 and abs(two_height - 2 * height) <= 1


def test_example_code_and_output_fit_the_column(site):
    for path in sorted((site / "auto_examples").glob("plot_*.html")):
        for block in _read(path).pre:
            for line in block.splitlines():
                assert len(line) <= CODE_COLUMNS, (
                    f"{path.name}: a line of {len(line)} characters: {line!r}"
                )


def test_copy_buttons_leave_out_prompts_and_output(site):
    assert "sphinx_copybutton" in (ROOT / "docs" / "conf.py").read_text()
    scripts = _read(site / "quick_start.html").scripts
    assert any(re.search(r"copybutton\.js(\?|$)", src) for src in scripts)
    script = (site / "_static" / "copybutton.js").read_text(encoding="utf-8")
    # formatCopyText(text, prompt, isRegexp, onlyCopyPromptLines, removePrompts, ...)
    call = re.search(
        r"return formatCopyText\(text, '(.*?)', (\w+), (\w+), (\w+),", script
    )
    assert call, "copybutton.js does not format the copied text"
    prompt, is_regexp, only_prompt_lines, remove_prompts = call.groups()
    assert (is_regexp, only_prompt_lines, remove_prompts) == ("true", "true", "true")
    # The prompts, as JavaScript reads the regular expression: ">>> " and "... ".
    prompt = re.compile(prompt.replace("\\\\", "\\"))
    assert prompt.match(">>> x = 1") and prompt.match("... y")
    assert not prompt.match("array([1., 2.])")


def test_the_landing_page_says_what_skgd_is_shows_a_picture_and_installs(site):
    page = _read(site / "index.html")
    text = _text(site / "index.html")
    assert 'python -m pip install ".[plot]"' in text
    # Two sentences before the picture say what skgd is.
    intro = text[text.index("skgd fits") : text.index("Install it")]
    assert len(re.findall(r"[.!?](?:\s|$)", intro.strip())) == 2
    pictures = [image for image in page.images if "logo" not in image.get("src", "")]
    assert pictures, "the landing page shows no picture"
    assert (site / pictures[0]["src"]).exists()


def test_the_changelog_page_shows_changes_rst(site):
    page = _text(site / "changes.html")
    sections = re.findall(r"^(.+)\n-{3,}$", (ROOT / "CHANGES.rst").read_text(), re.M)
    assert sections[0] == "Unreleased"
    for section in sections:
        assert section in page
    assert "changes.html" in (site / "index.html").read_text(encoding="utf-8")
