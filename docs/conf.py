"""Sphinx configuration of the skgd documentation.

Build it from the repository root (the README has the whole command)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Intersphinx and the network
---------------------------
Links to the documentation of Python, numpy, scipy, matplotlib and scikit-learn
need their inventories (``objects.inv``), which exist only on those projects' web
sites: no package on PyPI ships them. Where the build cannot reach a site (as on
this project's CI, which reaches package registries only), Sphinx would warn,
and ``-W`` would fail the build for a reason that is no fault of the docs.

So ``SKGD_DOCS_INTERSPHINX`` chooses:

- ``auto`` (default): each inventory is probed first (a few seconds at most); the
  reachable ones are used and the others left out, and the build says which, at
  the top of its output. References to a left-out project render as plain code
  text; no other warning is silenced.
- ``always``: every inventory is required; an unreachable one is a warning, so an
  error under ``-W``. Use it where the network is there, to check every link.
- ``never``: no inventory is fetched.
"""

import os
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import sphinx
from sphinx.util import logging

import skgd

logger = logging.getLogger(__name__)

# -- Project -----------------------------------------------------------------

project = "skgd"
author = "The skgd developers"
copyright = "The skgd developers, BSD-3-Clause"
release = skgd.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # MathJax from the built site, not from a CDN: the formulas render where the
    # docs are read without a network (the package's own module name has hyphens).
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",
]
templates_path = ["_templates"]
exclude_patterns = ["_build"]
default_role = "literal"
root_doc = "index"

# The page's table of contents names methods without their class, which the
# page's title already says: "from_estimator()", not "CostHistoryDisplay.from_...".
toc_object_entries_show_parents = "hide"

autosummary_generate = True
autodoc_default_options = {"members": False, "inherited-members": False}
# The class template lists the methods itself; numpydoc's table would repeat them.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# -- Intersphinx -------------------------------------------------------------

INTERSPHINX_TARGETS = {
    "python": "https://docs.python.org/3/",
    "numpy": "https://numpy.org/doc/stable/",
    "scipy": "https://docs.scipy.org/doc/scipy/",
    "matplotlib": "https://matplotlib.org/stable/",
    "sklearn": "https://scikit-learn.org/stable/",
}
INTERSPHINX_MODES = ("auto", "always", "never")
# Seconds to wait for each inventory probe; the probes run in parallel.
PROBE_TIMEOUT = 5


def _probe(url):
    """None if the inventory at ``url`` answers, else why not."""
    # GET, not HEAD, which some documentation hosts refuse; the body is not read.
    request = urllib.request.Request(
        url + "objects.inv", headers={"User-Agent": f"Sphinx/{sphinx.__version__}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=PROBE_TIMEOUT):
            return None
    except (OSError, urllib.error.URLError, ValueError) as error:
        return str(getattr(error, "reason", error))


def _intersphinx_mapping(mode):
    if mode not in INTERSPHINX_MODES:
        raise ValueError(
            f"SKGD_DOCS_INTERSPHINX must be one of {INTERSPHINX_MODES}, got {mode!r}."
        )
    if mode == "never":
        return {}, dict.fromkeys(INTERSPHINX_TARGETS, "SKGD_DOCS_INTERSPHINX=never")
    if mode == "always":
        return {name: (url, None) for name, url in INTERSPHINX_TARGETS.items()}, {}
    with ThreadPoolExecutor(len(INTERSPHINX_TARGETS)) as pool:
        failures = dict(
            zip(
                INTERSPHINX_TARGETS,
                pool.map(_probe, INTERSPHINX_TARGETS.values()),
                strict=True,
            )
        )
    mapping = {
        name: (url, None)
        for name, url in INTERSPHINX_TARGETS.items()
        if failures[name] is None
    }
    left_out = {name: why for name, why in failures.items() if why is not None}
    return mapping, left_out


intersphinx_mode = os.environ.get("SKGD_DOCS_INTERSPHINX", "auto")
intersphinx_mapping, intersphinx_left_out = _intersphinx_mapping(intersphinx_mode)
intersphinx_timeout = 10

# -- HTML --------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skgd {release}"
# No link to a source repository until one exists.
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    # The landing page is short: no table of contents beside it.
    "secondary_sidebar_items": {"**": ["page-toc", "sourcelink"], "index": []},
}
# No left sidebar: the navigation bar holds the few pages, and the text column
# gets the width, so that example code (88 characters a line at most) and
# figures (at most 8.5 inches at 100 dpi) fit without scrolling or shrinking.
html_sidebars = {"**": []}
html_show_sourcelink = True
html_static_path = ["_static"]
html_css_files = ["skgd.css"]

# -- Copy buttons --------------------------------------------------------------

# Copy the code of a ">>>" example without its prompts and its output; a block
# without prompts (shell commands, gallery code) is copied whole.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True

# -- Gallery -----------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # The examples are numbered in the order they are meant to be read.
    "within_subsection_order": "FileNameSortKey",
    # Each class and function page lists the examples that use it.
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("skgd",),
    "remove_config_comments": True,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "show_memory": False,
    "default_thumb_file": None,
    # Every figure also at twice the resolution, for high-DPI screens.
    "image_srcset": ["2x"],
    # The pages of computation times load their table scripts from a CDN.
    "write_computation_times": False,
    # A failing example fails the build.
    "abort_on_example_error": True,
}


def _report_intersphinx(app):
    if intersphinx_left_out:
        logger.info(
            "intersphinx: no inventory for %s (mode %r), so references to them are "
            "plain text in this build:",
            ", ".join(sorted(intersphinx_left_out)),
            intersphinx_mode,
        )
        for name, why in sorted(intersphinx_left_out.items()):
            logger.info("intersphinx:   %s: %s", name, why)
    elif intersphinx_mode == "always":
        logger.info("intersphinx: every inventory is required (mode 'always')")
    else:
        logger.info("intersphinx: every inventory was reached (mode 'auto')")


def setup(app):
    app.connect("builder-inited", _report_intersphinx)
