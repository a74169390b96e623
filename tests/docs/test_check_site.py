"""docs/check_site.py finds every broken local link, image and fragment, and only those."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "check_site.py"


@pytest.fixture(scope="module")
def check_site():
    spec = importlib.util.spec_from_file_location("check_site", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _site(root):
    (root / "api").mkdir(parents=True)
    (root / "_static").mkdir()
    (root / "logo.png").write_bytes(b"\x89PNG")
    (root / "_static" / "macros.html").write_text('<a href="{{ pathto(x) }}">template</a>')
    (root / "index.html").write_text(
        '<a href="api/page.html#fit">ok</a> <img src="logo.png"> <a href="#top" id="top">self</a>'
        ' <a href="https://example.org/x.html">external</a> <a href="api/">folder</a>'
        ' <img srcset="logo.png 1x, missing@2x.png 2x">'
        ' <a href="api/page.html#nope">bad fragment</a> <a href="gone.html">bad page</a>'
        ' <script src="../outside.js"></script>')
    (root / "api" / "page.html").write_text('<h1 id="fit">fit</h1><img src="../logo.png">')
    (root / "api" / "index.html").write_text('<a href="../index.html">up</a>')


def test_reports_exactly_the_broken_links(tmp_path, check_site):
    _site(tmp_path)
    broken, pages = check_site.broken_links(tmp_path)
    assert sorted((str(page), link) for page, link, _ in broken) == [
        ("index.html", "../outside.js"),
        ("index.html", "api/page.html#nope"),
        ("index.html", "gone.html"),
        ("index.html", "missing@2x.png"),
    ]
    assert len(pages) == 3  # the theme's template under _static is not a page


def test_main_exit_code(tmp_path, check_site, capsys):
    _site(tmp_path)
    assert check_site.main([str(tmp_path)]) == 1
    assert "4 broken" in capsys.readouterr().out
    (tmp_path / "index.html").write_text('<a href="api/page.html#fit">ok</a>')
    assert check_site.main([str(tmp_path)]) == 0
    assert check_site.main([str(tmp_path / "nothing")]) == 1
