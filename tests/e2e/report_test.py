#!/usr/bin/python3
"""Acceptance test of `primer report` in a real browser (Debian `chromium`, headless).

    report_test.py PRIMER ARTIFACTS_DIR

1. A built-in run (`primer run`) writes OUT/report.html at its end; `primer filter
   --rejected` over its shards makes a second dataset with rejected/, and `primer report`
   writes its page.
2. Chromium loads each page (--dump-dom after the inline script ran) and the DOM is checked:
   every funnel number shown equals manifest.json's; the verify status is OK; with a
   query in the URL (#q=...) the sample search hides exactly the rows without it.
3. No network: the page carries a Content-Security-Policy with default-src 'none', no
   src/href/action/url() points anywhere but the page itself, and Chromium's net log of
   the page load holds no request the page started (a control page with one remote image
   proves the net-log check sees requests).
4. Screenshots of both pages, their PDF prints and the pages are saved under ARTIFACTS_DIR.

Python standard library only (/usr/bin/python3); exits non-zero with one FAIL line.
"""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

PRIMER = os.path.abspath(sys.argv[1])
ARTIFACTS = os.path.abspath(sys.argv[2])
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def run(argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=300, **kw)
    if r.returncode != 0:
        fail(f"{' '.join(argv)} exited {r.returncode}: {r.stderr.strip()[-2000:]}")
    return r.stdout


def chromium(work, url, *extra):
    """Runs headless Chromium on url; returns stdout (the DOM with --dump-dom)."""
    profile = tempfile.mkdtemp(dir=work, prefix="profile-")
    argv = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-default-apps", f"--user-data-dir={profile}", *extra, url]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        fail(f"chromium exited {r.returncode} on {url}: {r.stderr.strip()[-1500:]}")
    return r.stdout


class Dom(html.parser.HTMLParser):
    """The parts of a report page the checks need."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []            # open elements: (tag, attrs)
        self.funnel = {}           # data-funnel key -> text
        self.rejected = {}         # data-rejected "filter:reason" -> text
        self.status = None         # data-status of #verify-status
        self.csp = None
        self.urls = []             # (tag, attribute, value) of every src/href/action
        self.rows = {}             # samples table id -> [(hidden, text)]
        self.counts = {}           # samples table id -> data-shown of its counter
        self.styles = []
        self._capture = []         # [key, kind, text] being collected

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = a.get("content")
        for k, v in attrs:
            if k in ("src", "href", "action", "xlink:href", "srcset", "poster", "data", "formaction"):
                self.urls.append((tag, k, v or ""))
        if "data-funnel" in a:
            self._capture.append([a["data-funnel"], "funnel", ""])
        if "data-rejected" in a:
            self._capture.append([a["data-rejected"], "rejected", ""])
        if a.get("id") == "verify-status":
            self.status = a.get("data-status")
        if tag == "span" and (a.get("id") or "").endswith("-samples-count"):
            self.counts[a["id"][: -len("-count")]] = a.get("data-shown")
        if tag == "tr":
            table = next((t for t in reversed(self.stack) if t[0] == "table"), None)
            if table and "samples" in (table[1].get("class") or "").split() and any(t[0] == "tbody" for t in self.stack):
                self.rows.setdefault(table[1]["id"], []).append(["hidden" in a, ""])
                self._capture.append([table[1]["id"], "row", ""])
        if tag == "style":
            self._capture.append([None, "style", ""])
        if tag not in ("meta", "br", "input", "link", "img", "hr", "col", "source", "wbr", "rect", "line", "circle",
                       "polyline", "path"):
            self.stack.append((tag, a))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        if tag in ("td", "span", "tr", "style") and self._capture:
            key, kind, text = self._capture[-1]
            if kind in ("funnel", "rejected") and tag in ("td", "span"):
                (self.funnel if kind == "funnel" else self.rejected)[key] = text.strip()
                self._capture.pop()
            elif kind == "row" and tag == "tr":
                self.rows[key][-1][1] = text
                self._capture.pop()
            elif kind == "style" and tag == "style":
                self.styles.append(text)
                self._capture.pop()

    def handle_data(self, data):
        for c in self._capture:
            c[2] += data


def parse(text):
    d = Dom()
    d.feed(text)
    d.close()
    return d


def number(text):
    return int(text.replace(",", ""))


def check_funnel(dom, manifest, label):
    c = manifest["counts"]
    want = {"prompts": c["prompts"], "replies": c["replies"], "kept": c["kept"], "train": c["train"],
            "validation": c["validation"], "prompt_tokens": manifest["usage"]["prompt_tokens"],
            "completion_tokens": manifest["usage"]["completion_tokens"], "text_bytes": c["text_bytes"]}
    for f in manifest["filters"]:
        want[f"filter:{f['name']}:seen"] = f["seen"]
        want[f"filter:{f['name']}:kept"] = f["kept"]
        for reason, n in f["dropped"].items():
            want[f"filter:{f['name']}:drop:{reason}"] = n
    if c.get("teacher_failures"):
        want["teacher_failures"] = c["teacher_failures"]
    for key, value in want.items():
        if key not in dom.funnel:
            fail(f"{label}: the page shows no funnel number for {key} (manifest: {value})")
        if number(dom.funnel[key]) != value:
            fail(f"{label}: the page shows {key} = {dom.funnel[key]}, manifest.json says {value}")
    shown_cost = float(dom.funnel["cost_usd"])
    if abs(shown_cost - manifest["cost"]["usd"]) > 1e-4:
        fail(f"{label}: cost {shown_cost} on the page, {manifest['cost']['usd']} in the manifest")
    return len(want)


REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", re.I)


def check_offline(dom, text, label):
    if not dom.csp or "default-src 'none'" not in dom.csp:
        fail(f"{label}: no Content-Security-Policy with default-src 'none' (got {dom.csp!r})")
    for directive in dom.csp.split(";"):
        if re.search(r"https?:|\*|'unsafe-inline'|'unsafe-eval'|data:|blob:", directive):
            fail(f"{label}: the CSP directive {directive.strip()!r} lets something in")
    for tag, attr, value in dom.urls:
        if not value.startswith("#") and REMOTE.match(value):
            fail(f"{label}: <{tag} {attr}={value!r}> points outside the page")
    for css in dom.styles:
        if re.search(r"url\s*\(|@import", css, re.I):
            fail(f"{label}: the style sheet loads something (url() or @import)")
    if re.search(r"<(?:link|iframe|object|embed|img|audio|video|source)\b", text, re.I):
        fail(f"{label}: the page holds an element that loads a resource")


def page_requests(work, path, label):
    """URLs of the requests the page itself started, from Chromium's net log."""
    log = os.path.join(work, f"netlog-{label}.json")
    chromium(work, "file://" + path, f"--log-net-log={log}", "--dump-dom")
    with open(log) as f:
        data = json.load(f)
    types = {v: k for k, v in data["constants"]["logEventTypes"].items()}
    urls = []
    for e in data["events"]:
        p = e.get("params") or {}
        # Chromium's own background traffic has no origin; the page's requests have its origin.
        if types.get(e["type"]) == "URL_REQUEST_START_JOB" and p.get("initiator") not in (None, "not an origin"):
            urls.append(p.get("url"))
    return urls


def check_search(work, path, dom, label):
    """Loads the page with #q=QUERY and checks which sample rows stay visible."""
    rows = [t for tid, rs in dom.rows.items() for h, t in rs]
    if not rows:
        fail(f"{label}: no sample rows")
    # A query that few rows hold: of the words of the first row, the one with the fewest
    # matching rows (at least two, so the search shows more than the row it came from).
    counts = {w: sum(w in r.lower() for r in rows) for w in set(re.findall(r"[a-z]{4,}", rows[0].lower()))}
    candidates = sorted((n, w) for w, n in counts.items() if 2 <= n < len(rows))
    if not candidates:
        fail(f"{label}: no word tells the sample rows apart")
    query = candidates[0][1]
    filtered = parse(chromium(work, "file://" + path + "#q=" + query, "--dump-dom"))
    total_shown = 0
    for tid, rs in dom.rows.items():
        got = filtered.rows.get(tid, [])
        if len(got) != len(rs):
            fail(f"{label}: {tid} has {len(got)} rows after the search, {len(rs)} before")
        want_visible = [query in t.lower() for _, t in rs]
        visible = [not h for h, _ in got]
        if visible != want_visible:
            bad = next(i for i in range(len(rs)) if visible[i] != want_visible[i])
            fail(f"{label}: search {query!r}: row {bad} of {tid} is {'shown' if visible[bad] else 'hidden'}, "
                 f"its text {'has' if want_visible[bad] else 'lacks'} the query")
        if filtered.counts.get(tid) != str(sum(want_visible)):
            fail(f"{label}: {tid} counter says {filtered.counts.get(tid)} shown, {sum(want_visible)} rows match")
        total_shown += sum(want_visible)
    if not 0 < total_shown < len(rows):
        fail(f"{label}: search {query!r} shows {total_shown} of {len(rows)} rows: nothing was filtered")
    return query, total_shown, len(rows)


def check_page(work, out_dir, label, want_rejected):
    path = os.path.join(out_dir, "report.html")
    if not os.path.exists(path):
        fail(f"{label}: {path} was not written")
    size = os.path.getsize(path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(os.path.join(out_dir, "manifest.json")) as f:
        manifest = json.load(f)
    check_offline(parse(text), text, label)
    dom = parse(chromium(work, "file://" + path, "--dump-dom"))  # after the inline script ran
    n = check_funnel(dom, manifest, label)
    if dom.status != "ok":
        fail(f"{label}: verify status {dom.status!r}, expected ok")
    if want_rejected:
        if "rejected-samples" not in dom.rows:
            fail(f"{label}: no rejected samples table although rejected/ exists")
        # Every dropped record is in rejected/: its counts by filter and reason are the manifest's.
        want = {f"{f['name']}:{r}": c for f in manifest["filters"] for r, c in f["dropped"].items() if c}
        got = {k: number(v) for k, v in dom.rejected.items()}
        if got != want:
            fail(f"{label}: rejected/ counts on the page {got}, the manifest's drops {want}")
    query, shown, rows = check_search(work, path, dom, label)
    requests = page_requests(work, path, label)
    if requests:
        fail(f"{label}: the page made network requests: {requests[:5]}")
    shot = os.path.join(ARTIFACTS, f"report-{label}.png")
    chromium(work, "file://" + path, "--window-size=1280,2400", "--hide-scrollbars", f"--screenshot={shot}")
    if not os.path.exists(shot) or os.path.getsize(shot) < 10000:
        fail(f"{label}: no screenshot at {shot}")
    # Print: the print style sheet shows every row of the samples (no scroll boxes).
    pdf = os.path.join(ARTIFACTS, f"report-{label}.pdf")
    chromium(work, "file://" + path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    with open(pdf, "rb") as f:
        head = f.read(5)
    if head != b"%PDF-" or os.path.getsize(pdf) < 20000:
        fail(f"{label}: printing to PDF gave no document ({pdf})")
    shutil.copy(path, os.path.join(ARTIFACTS, f"report-{label}.html"))
    print(f"ok: {label}: {size / 1e3:.0f} KB, {n} funnel numbers match manifest.json, verify ok, "
          f"search {query!r} shows {shown} of {rows} rows, no network request, screenshot {shot}, "
          f"PDF {os.path.getsize(pdf) / 1e3:.0f} KB")


def main():
    if not CHROMIUM:
        fail("chromium is not installed (scripts/install-deps.sh installs it)")
    os.makedirs(ARTIFACTS, exist_ok=True)
    work = tempfile.mkdtemp(prefix="primer-report-test-")
    try:
        # The net-log check must be able to fail: a control page with one remote image.
        control = os.path.join(work, "control.html")
        with open(control, "w") as f:
            f.write('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png" alt=""></body></html>')
        if not page_requests(work, control, "control"):
            fail("the net-log check does not see the control page's request")

        with open(os.path.join(work, "run.toml"), "w") as f:
            f.write("seed = 3\ncount = 1200\n[teacher]\nnoise = 0.3\n"
                    "[[filters]]\nkind = \"truncation\"\n[[filters]]\nkind = \"length\"\nmin_words = 20\n"
                    "[[filters]]\nkind = \"exact_dedup\"\n[[filters]]\nkind = \"vocab\"\nmax_oov_rate = 0.05\n"
                    "[storage]\nshard_records = 400\nvalidation_fraction = 0.05\n")
        out = os.path.join(work, "run")
        run([PRIMER, "run", os.path.join(work, "run.toml"), "--out", out, "--quiet"])
        check_page(work, out, "run", want_rejected=False)

        # primer filter --rejected: a dataset with rejected/ and a report of it.
        with open(os.path.join(work, "strict.toml"), "w") as f:
            f.write("[[filters]]\nkind = \"vocab\"\nmax_oov_rate = 0.0\n[[filters]]\nkind = \"length\"\nmin_words = 120\n")
        shards = sorted(os.path.join(out, "data", n) for n in os.listdir(os.path.join(out, "data")))
        filtered = os.path.join(work, "filtered")
        run([PRIMER, "filter", *shards, "--config", os.path.join(work, "strict.toml"), "--out", filtered, "--rejected",
             "--quiet"])
        run([PRIMER, "report", filtered, "--quiet"])
        check_page(work, filtered, "filter-rejected", want_rejected=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
