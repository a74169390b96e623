"""Smoke-test the built site in headless Chromium.

Usage: ``python docs/browser_check.py [docs/_build/html]``. Loads the landing
page, one API page, one gallery page and the gallery's index in headless
Chromium, driven over the DevTools protocol (``--remote-debugging-pipe``;
standard library only), and fails on

- a JavaScript exception or a ``console.error`` message,
- a resource of the site that fails to load (a local file, e.g. an image),
- an image that does not decode (missing or broken), lazy images included.

Requests to other hosts (MathJax's CDN, for pages with math) cannot succeed on
the offline build machines; their failures are listed as notes, not errors.
A screenshot of each page is saved to ``<site>/../screenshots/``. Chromium is
installed from Debian's packages (``apt-get install chromium``) when missing
and the script runs as root; otherwise it stops with the command to run.
Exits 1 on any error, 0 otherwise.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

PAGES = ["index.html",
         "generated/skpanda.selectors.RandomQuerySelector.html",
         "auto_examples/plot_1_quick_start.html",
         "auto_examples/index.html"]
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT = 60  # seconds per page

CHECK_IMAGES = """Promise.all([...document.images].map(img => {
    img.loading = "eager";
    return img.decode().then(() => img.naturalWidth > 0 ? null : img.src, () => img.src);
})).then(bad => JSON.stringify(bad.filter(src => src !== null)))"""


SCROLL_TO_FIGURE = """(() => {
    const img = document.querySelector("img.sphx-glr-single-img, img.sphx-glr-multi-img");
    if (img) { img.scrollIntoView({block: "center"}); }
    return Boolean(img);
})()"""


def find_chromium():
    """The Chromium executable, installed from Debian's packages if missing."""
    for name in BROWSERS:
        if shutil.which(name):
            return shutil.which(name)
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("browser_check: installing chromium (apt-get install chromium)", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        if shutil.which("chromium"):
            return shutil.which("chromium")
    raise SystemExit("browser_check: no Chromium found; install it with "
                     "`apt-get update && apt-get install -y chromium`.")


class DevTools:
    """A Chromium process and its DevTools pipe (JSON messages ending in NUL)."""

    def __init__(self, executable):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        self.process = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-pipe", "--no-first-run", "--hide-scrollbars",
             "--user-data-dir=" + str(Path(os.environ.get("TMPDIR", "/tmp"),
                                           f"skpanda-chromium-{os.getpid()}"))],
            pass_fds=(3, 4), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=lambda: (os.dup2(to_browser_r, 3), os.dup2(from_browser_w, 4)))
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer, self._next_id, self.events = b"", 0, []

    def send(self, method, params=None, session=None, timeout=TIMEOUT):
        """Send one command and return its result (events arriving meanwhile are kept)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)
        raise TimeoutError(f"{method}: no answer from Chromium in {timeout} s")

    def wait_for(self, method, timeout=TIMEOUT):
        """Wait until an event named ``method`` has arrived."""
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {method} in {timeout} s")
            self.events.append(self._read())

    def _read(self):
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed its DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def close(self):
        try:
            self.send("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def check_page(browser, url, screenshot):
    """Load ``url``; return (errors, notes) and save a screenshot."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"]
    for domain in ("Runtime", "Log", "Page"):
        browser.send(f"{domain}.enable", session=session)
    browser.send("Emulation.setDeviceMetricsOverride", {
        "width": 1280, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
        session=session)
    browser.events.clear()
    browser.send("Page.navigate", {"url": url}, session=session)
    browser.wait_for("Page.loadEventFired")
    bad_images = json.loads(browser.send("Runtime.evaluate", {
        "expression": CHECK_IMAGES, "awaitPromise": True, "returnByValue": True},
        session=session)["result"]["value"])
    time.sleep(1.0)  # late console messages
    browser.send("Runtime.evaluate", {"expression": "1"}, session=session)
    shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    has_figure = browser.send("Runtime.evaluate", {"expression": SCROLL_TO_FIGURE,
                                                   "returnByValue": True},
                              session=session)["result"]["value"]
    if has_figure:  # a gallery page: a second screenshot of its first figure
        time.sleep(0.5)
        shot = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)
        screenshot.with_name(screenshot.stem + "_figure.png").write_bytes(
            base64.b64decode(shot["data"]))
    errors = [f"image does not load: {src}" for src in bad_images]
    notes = []
    for event in browser.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            errors.append(f"JavaScript exception: {text}")
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            errors.append(f"console.{params['type']}: {args}")
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            where = entry.get("url", "")
            if where and not where.startswith("file:"):
                notes.append(f"external resource not reachable offline: {where}")
            else:
                errors.append(f"{entry['source']}: {entry['text']} {where}".strip())
    browser.send("Target.closeTarget", {"targetId": target})
    return errors, notes


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    site = Path(argv[0] if argv else Path(__file__).parent / "_build" / "html").resolve()
    missing = [page for page in PAGES if not (site / page).is_file()]
    if missing:
        print(f"browser_check: {missing} not found under {site}; build the site first.")
        return 1
    shots = site.parent / "screenshots"
    shots.mkdir(exist_ok=True)
    browser = DevTools(find_chromium())
    failed = 0
    try:
        version = browser.send("Browser.getVersion")["product"]
        for page in PAGES:
            screenshot = shots / (page.replace("/", "_").removesuffix(".html") + ".png")
            errors, notes = check_page(browser, (site / page).as_uri(), screenshot)
            failed += bool(errors)
            print(f"browser_check: {page}: {'FAIL' if errors else 'ok'} "
                  f"({len(errors)} errors; screenshot {screenshot})")
            for line in errors:
                print(f"  error: {line}")
            for line in notes:
                print(f"  note: {line}")
    finally:
        browser.close()
    print(f"browser_check: {len(PAGES) - failed} of {len(PAGES)} pages passed in {version}.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
