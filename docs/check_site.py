"""Check that every local link and image of the built site resolves.

Usage: ``python docs/check_site.py [docs/_build/html]``. Reads every ``.html``
file, collects ``href``/``src`` (and ``srcset``) of ``a``, ``link``, ``img``,
``script``, ``source``, ``iframe``, ``video`` and ``object`` elements, and
reports every local target that is not a file of the site, and every
``#fragment`` that names no ``id`` (or ``name``) in its target page. External
links (any ``scheme:``) are not fetched: the build machines are offline. Exits
1 with one line per broken link, 0 with a summary line otherwise.
"""

import sys
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ATTRIBUTES = {"href", "src", "srcset", "data"}
ELEMENTS = {"a", "link", "img", "script", "source", "iframe", "video", "object"}
# The theme copies its Jinja macro file (_static/webpack-macros.html) as a static
# asset; it is a template, not a page of the site.
SKIP = {"_static", "_sources"}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)
            if tag in ELEMENTS and name in ATTRIBUTES and value:
                if name == "srcset":
                    self.links += [part.split()[0] for part in value.split(",") if part.strip()]
                else:
                    self.links.append(value)


def _parse(path):
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def broken_links(root):
    """``(page, link, reason)`` for every local link of the site that does not resolve."""
    root = Path(root).resolve()
    pages = {path: _parse(path) for path in sorted(root.rglob("*.html"))
             if path.relative_to(root).parts[0] not in SKIP}
    broken = []
    for path, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("//"):
                continue  # external: not fetched
            target = path if not parts.path else (path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            rel = path.relative_to(root)
            if root not in target.parents and target != root:
                broken.append((rel, link, "points outside the site"))
            elif not target.is_file():
                broken.append((rel, link, "no such file"))
            elif parts.fragment and target.suffix == ".html" and target in pages:
                ids = pages[target].ids
                if unquote(parts.fragment) not in ids:
                    broken.append((rel, link, f"no id {parts.fragment!r} in {target.name}"))
    return broken, pages


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    root = Path(argv[0] if argv else Path(__file__).parent / "_build" / "html")
    if not (root / "index.html").is_file():
        print(f"check_site: no {root / 'index.html'}; build the site first (make docs).")
        return 1
    broken, pages = broken_links(root)
    for page, link, reason in broken:
        print(f"{page}: {link} ({reason})")
    counts = defaultdict(int)
    for page in pages.values():
        for link in page.links:
            counts["external" if urlsplit(link).scheme else "local"] += 1
    print(f"check_site: {len(pages)} pages, {counts['local']} local links and images checked, "
          f"{counts['external']} external not fetched, {len(broken)} broken.")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
