"""Sphinx configuration of the skpanda documentation (``make docs``).

The API reference is generated from each subpackage's ``__all__`` (autosummary),
the gallery from ``examples/plot_*.py`` (sphinx-gallery, executed at build), and
the Markdown pages are read by myst-parser. ``make docs`` runs ``sphinx-build -W``:
a warning from our own docstrings or pages fails the build.
"""

import importlib
import logging
import os
import pkgutil
import sys
from pathlib import Path

from sphinx.pycode import ModuleAnalyzer

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))  # the checkout being documented wins over an install
os.environ.setdefault("OMP_NUM_THREADS", "1")  # examples run on a shared 2-core machine
os.environ.setdefault("MPLBACKEND", "Agg")

import skpanda  # noqa: E402

project = "skpanda"
author = "skpanda developers"
copyright = "skpanda developers"
version = release = skpanda.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build"]
html_theme = "pydata_sphinx_theme"
html_title = f"skpanda {release}"
html_static_path = []
html_show_sourcelink = False
# An explicit default colour mode: left empty, the theme logs a console error
# ("Got invalid theme mode") on a first visit.
html_context = {"default_mode": "light"}
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}

# --- API reference: autosummary follows each module's __all__ ----------------
autosummary_generate = True
autosummary_ignore_module_all = False  # members = __all__, so new public names appear
autosummary_imported_members = False  # a module without __all__: only what it defines
autodoc_default_options = {"members": False, "inherited-members": False}
autodoc_typehints = "none"
numpydoc_show_class_members = False   # the class template lists members itself
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# Our docstrings are validated at build time; a failing check is an error (-W).
# GL08: an object without a docstring; PR01/PR02: a parameter missing from or
# unknown to Parameters; RT03: a Returns entry without a description of the
# value; SS01/SS03: missing summary or summary without its full stop.
numpydoc_validation_checks = {"GL08", "PR01", "PR02", "SS01", "SS03"}
numpydoc_validation_exclude = {
    r"\.__init__$",          # constructors are documented on the class
    r"\.__sklearn_tags__$",  # scikit-learn's tag hook, documented by scikit-learn
}

# --- Markdown pages (myst-parser) --------------------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

# --- Cross-project links ------------------------------------------------------
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
    "fairlearn": ("https://fairlearn.org/main", None),
    "pandas": ("https://pandas.pydata.org/docs", None),
    "torch": ("https://docs.pytorch.org/docs/stable", None),
}
intersphinx_timeout = 5


class _OfflineInventory(logging.Filter):
    """Let an unreachable intersphinx inventory pass as a note, not an error.

    The machines that build these docs (developers', CI) reach package
    registries only, not the projects' documentation sites. Sphinx then warns
    once per project that its inventory could not be fetched (an untyped
    warning, so ``suppress_warnings`` cannot name it) and the links to that
    project stay plain text; with network access they resolve. Only this one
    message is let through; every other warning still fails the build.
    """

    def filter(self, record):
        if record.levelno == logging.WARNING and str(record.msg).startswith(
                "failed to reach any of the inventories"):
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


# sphinx.util.logging names its loggers "sphinx." + the module's logger name.
logging.getLogger("sphinx.sphinx.ext.intersphinx").addFilter(_OfflineInventory())


# --- Gallery: examples/plot_*.py, executed at build ---------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # plot_<n>_*.py: shown in the order of n (quick start first); the command-line
    # workflow example (issue #19) joins as plot_6_*.py.
    "within_subsection_order": "FileNameSortKey",
    # Scripts that are not plot_*.py (examples/guide_gridsearch.py, a command-line
    # script run by tests/examples/) are not gallery pages.
    "ignore_pattern": r"(?:^|/)(?!plot_)[^/]+\.py$",
    "doc_module": ("skpanda",),
    "backreferences_dir": "api/backreferences",
    "abort_on_example_error": True,
    "min_reported_time": 1,
    "download_all_examples": False,
    "remove_config_comments": True,
}


def _title_raw_runs(app, docname, source):
    """Give each raw benchmark output (research/*_runs/*.md) a page title.

    The files are kept exactly as the benchmarks wrote them (tables under
    ``##`` headings, no title); the site shows each under its file name.
    """
    if docname.startswith("research/") and "_runs/" in docname:
        source[0] = f"# Raw output: `{docname.rsplit('/', 1)[-1]}.md`\n\n" + source[0]


def _data_doc_comment(app, what, name, obj, options, lines):
    """Document a constant by its ``#:`` comment, not by its type's docstring.

    A public constant (``DEFAULT_LEARNERS``) is defined in a private module and
    re-exported, so autodoc finds no ``#:`` comment where it looks and falls back
    to the docstring of ``tuple``; the comment is read from the defining module.
    """
    if what != "data" or (lines and lines[0] not in (type(obj).__doc__ or "")):
        return
    package, attribute = name.rsplit(".", 1)
    modules = [package] + [m.name for m in pkgutil.iter_modules(
        importlib.import_module(package).__path__, prefix=package + ".")]
    for module in modules:
        comment = ModuleAnalyzer.for_module(module).find_attr_docs().get(("", attribute))
        if comment:
            lines[:] = list(comment)
            return


def setup(app):
    app.connect("source-read", _title_raw_runs)
    app.connect("autodoc-process-docstring", _data_doc_comment, priority=400)  # before numpydoc

