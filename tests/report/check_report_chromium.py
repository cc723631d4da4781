#!/usr/bin/env python3
"""check_report_chromium.py - report.html in headless Chromium (issue 20).

Usage: check_report_chromium.py MCS_HARNESS FIXTURES

Copies FIXTURES/results to a temporary folder, writes the comparison's and
each run's page with `mcs-harness --report DIR` (running nothing), then for
each page asks headless Chromium for its DOM and a screenshot, and checks:
- the page loads with no console error (the page has no script at all);
- every chart is in the DOM, and has something drawn in it;
- every number of the comparison's matrix equals summary.json's median
  rounded as harness_round3 rounds (3 significant figures, thousands
  separated), and its n equals summary.json's n;
- the screenshot is a PNG of the window's size.
Exits 0 when all hold, 1 naming the first that does not, 77 (skipped)
when chromium is not installed. Screenshots are left in the temporary
folder when a check fails (its path is printed).
"""
import html.parser
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile

COMPARE = "results/compare/20261201-220550"
RUNS = ["results/epoll/20261202-012142", "results/epoll/20261201-220550",
        "results/poll/20261201-220818", "results/select/20261201-221059"]
WIDTH, HEIGHT = 1280, 2000


def round3(v):
    """harness_round3: 3 significant figures, thousands separated."""
    if isinstance(v, float) and math.isnan(v):
        return "n/a"
    if v == 0:
        return "0"
    scale = 10.0 ** (math.floor(math.log10(abs(v))) - 2)
    q = v / scale
    rounded = math.copysign(math.floor(abs(q) + 0.5), q) * scale
    exponent = math.floor(math.log10(abs(rounded)))
    if exponent < 3:
        return "%.*f" % (2 - exponent if exponent < 2 else 0, rounded)
    return ("-" if v < 0 else "") + "{:,.0f}".format(abs(rounded))


class Page(html.parser.HTMLParser):
    """The charts (svg.chart: how many shapes each holds), the matrix
    cells (figure, backend) -> {median, count}, and any script."""

    def __init__(self):
        super().__init__()
        self.charts = {}
        self.chart = None
        self.cells = {}
        self.cell = None
        self.span = None
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "svg" and "chart" in (a.get("class") or ""):
            self.chart = a.get("data-chart")
            self.charts[self.chart] = 0
        elif self.chart and tag in ("path", "circle", "rect"):
            if tag != "path" or len(a.get("d", "").split()) >= 2:
                self.charts[self.chart] += 1
        if tag == "td" and "data-figure" in a:
            self.cell = (a["data-figure"], a["data-backend"])
            self.cells[self.cell] = {}
        if tag == "span" and self.cell and a.get("class") in ("median",
                                                              "count"):
            self.span = a["class"]

    def handle_endtag(self, tag):
        if tag == "svg":
            self.chart = None
        if tag == "td":
            self.cell = None
        if tag == "span":
            self.span = None

    def handle_data(self, data):
        if self.cell and self.span:
            self.cells[self.cell][self.span] = data.strip()


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def browse(browser, page, screenshot, profile):
    """DOM and console of page; a screenshot as well."""
    common = [browser, "--headless=new", "--disable-gpu", "--no-sandbox",
              "--user-data-dir=" + profile, "--hide-scrollbars",
              "--window-size=%d,%d" % (WIDTH, HEIGHT),
              "--enable-logging=stderr", "--v=0"]
    url = "file://" + page
    dom = subprocess.run(common + ["--dump-dom", url], capture_output=True,
                         text=True, timeout=120)
    shot = subprocess.run(common + ["--screenshot=" + screenshot, url],
                          capture_output=True, text=True, timeout=120)
    return dom.returncode, dom.stdout, dom.stderr + shot.stderr


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def check_page(browser, work, folder, failures):
    page = os.path.join(work, folder, "report.html")
    screenshot = os.path.join(work, folder.replace("/", "_") + ".png")
    status, dom, log = browse(browser, page, screenshot,
                              os.path.join(work, "profile"))
    if status != 0 or "<html" not in dom:
        failures.append("%s: chromium exited %d, no DOM" % (folder, status))
        return None
    for line in log.splitlines():
        if "Uncaught" in line or "CONSOLE" in line:
            failures.append("%s: console: %s" % (folder, line))
    parsed = Page()
    parsed.feed(dom)
    if parsed.scripts:
        failures.append("%s: %d script(s)" % (folder, parsed.scripts))
    if not parsed.charts:
        failures.append("%s: no chart in the DOM" % folder)
    for name, shapes in parsed.charts.items():
        if shapes < 2:
            failures.append("%s: chart %s is empty" % (folder, name))
    if png_size(screenshot) != (WIDTH, HEIGHT):
        failures.append("%s: screenshot %s is not a %dx%d PNG"
                        % (folder, screenshot, WIDTH, HEIGHT))
    return parsed


def check_matrix(parsed, summary, failures):
    checked = 0
    for figure in summary["figures"]:
        for backend, entry in figure["backends"].items():
            cell = parsed.cells.get((figure["key"], backend))
            if cell is None:
                failures.append("no cell %s / %s" % (figure["key"], backend))
                continue
            want = round3(entry["median"]) if entry["median"] is not None \
                else None
            if want is not None and cell.get("median") != want:
                failures.append("%s / %s: page %r, summary.json %r -> %r"
                                % (figure["key"], backend, cell.get("median"),
                                   entry["median"], want))
            if want is not None and cell.get("count") != str(entry["n"]):
                failures.append("%s / %s: n %r, summary.json %r"
                                % (figure["key"], backend, cell.get("count"),
                                   entry["n"]))
            checked += 1
    return checked


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    harness, fixtures = sys.argv[1], sys.argv[2]
    browser = chromium()
    if not browser:
        print("chromium not installed: skipped (scripts/install-deps.sh "
              "--tests installs it)")
        return 77
    work = tempfile.mkdtemp(prefix="mcs-report-chromium-")
    shutil.copytree(os.path.join(fixtures, "results"),
                    os.path.join(work, "results"))
    failures = []
    for folder in [COMPARE] + RUNS:
        done = subprocess.run([harness, "--report", folder], cwd=work,
                              capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            failures.append("--report %s: exit %d: %s"
                            % (folder, done.returncode, done.stderr))
    parsed = {f: check_page(browser, work, f, failures)
              for f in [COMPARE] + RUNS}
    checked = 0
    if parsed[COMPARE]:
        with open(os.path.join(work, COMPARE, "summary.json")) as f:
            checked = check_matrix(parsed[COMPARE], json.load(f), failures)
    if failures:
        print("report_chromium: FAILED (pages and screenshots in %s)" % work)
        for failure in failures:
            print("  " + failure)
        return 1
    charts = sum(len(p.charts) for p in parsed.values() if p)
    print("report_chromium: %d pages, %d charts drawn, %d matrix cells "
          "equal summary.json's, no console error"
          % (len(parsed), charts, checked))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
