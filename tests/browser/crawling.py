"""Shared by the browser tests: a crawler that follows links from the home
page, axe-core, and small measuring helpers. Nothing here is a test.

The crawler visits every same-origin page it can reach by links, so pages added
later are covered without new code. It skips /admin/ and /static/, anything
that is not HTML (CSV exports, JSON), and caps the crawl: MAX_PAGES pages, and
MAX_QUERIES_PER_PATH distinct query strings for one path (filters and sorting
give many links to the same page).
"""

import contextlib
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin, urlsplit

from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

MAX_PAGES = 300
MAX_QUERIES_PER_PATH = 5
SKIPPED_PREFIXES = ("/admin/", "/static/", "/media/")
# A page that does not exist, so that the 404 page is checked too.
MISSING_PAGE = "/this-page-does-not-exist/"

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}


@dataclass
class Crawl:
    """What one crawl saw: the pages (path and query) in the order visited,
    and problems that are not axe's (server errors, broken links)."""

    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    forms: list[dict] = field(default_factory=list)


def path_key(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(
    page: Page,
    base_url: str,
    visit: Callable[[Page, str], None],
    *,
    max_pages: int = MAX_PAGES,
    start: Sequence[str] = ("/", MISSING_PAGE),
    only: str = "/",
    skipped: Sequence[str] = SKIPPED_PREFIXES,
    max_queries_per_path: int | None = None,
) -> Crawl:
    """Follow links breadth first from `start` (the home page and MISSING_PAGE), and
    call visit(page, path) on each HTML page once it has loaded. Also collects
    the forms each page holds, for states_after_empty_submits(). Only paths
    under `only` and not under `skipped` are followed.

    """
    origin = urlsplit(base_url)[:2]
    skipped = tuple(skipped)
    if max_queries_per_path is None:
        max_queries_per_path = MAX_QUERIES_PER_PATH  # read now: tests lower it

    def outside(parts) -> bool:
        return (
            parts[:2] != origin or not parts.path.startswith(only) or parts.path.startswith(skipped)
        )

    result = Crawl()
    queue = deque(urljoin(base_url, path) for path in start)
    seen: set[str] = set()
    queries_per_path: dict[str, int] = {}
    form_keys: set[tuple] = set()

    def wanted(url: str) -> bool:
        parts = urlsplit(url)
        if outside(parts):
            return False
        key = path_key(url)
        if key in seen:
            return False
        if parts.query:
            if queries_per_path.get(parts.path, 0) >= max_queries_per_path:
                return False
            queries_per_path[parts.path] = queries_per_path.get(parts.path, 0) + 1
        seen.add(key)
        return True

    for url in list(queue):
        wanted(url)
    while queue and len(result.pages) < max_pages:
        url = queue.popleft()
        try:
            response = page.goto(url)
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue  # a file, not a page
            raise
        if response is None:
            continue
        final = page.url
        if outside(urlsplit(final)):
            continue
        final_key = path_key(final)
        if final != url:
            # A redirect (to sign in, to reauthenticate): check where it lands, once.
            if final_key in result.pages:
                continue
            seen.add(final_key)
        content_type = response.header_value("content-type") or ""
        if not content_type.startswith("text/html"):
            continue
        expected_status = 404 if path_key(url) == MISSING_PAGE else 200
        if response.status != expected_status:
            result.problems.append(
                f"{path_key(url)}: answered HTTP {response.status} (expected {expected_status})"
            )
        result.pages.append(final_key)
        visit(page, final_key)
        for link in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            link = urldefrag(link).url
            if wanted(link):
                queue.append(link)
        on_this_page: dict[tuple, int] = {}
        for form in page_forms(page):
            # The same form on many pages (one in the header) is sent once; two
            # alike forms on one page are told apart by their order.
            key = (form["method"], form["action"], tuple(form["fields"]))
            on_this_page[key] = on_this_page.get(key, 0) + 1
            key = (*key, on_this_page[key])
            if key not in form_keys:
                form_keys.add(key)
                result.forms.append({**form, "page": final_key})
    return result


def page_forms(page: Page) -> list[dict]:
    """The forms on the page that the crawl may send empty (see conftest.py)."""
    return page.eval_on_selector_all(
        "form",
        """forms => forms.map((form, index) => ({
            index,
            method: (form.getAttribute("method") || "get").toLowerCase(),
            action: form.action,
            fields: Array.from(form.elements)
                .filter(el => el.name && el.tagName !== "BUTTON"
                    && !["hidden", "submit", "button", "reset", "image"].includes(el.type))
                .map(el => el.name),
            skip: Boolean(form.closest('[data-crawl="skip"]')),
        }))""",
    )


def submit_empty(page: Page, index: int) -> None:
    """Send form number `index` with its text fields emptied and wait for
    the answer: a new page, or an htmx swap."""
    page.evaluate(
        """index => {
            const form = document.forms[index];
            window.__crawlSent = true;
            for (const el of form.elements) {
                if (el.tagName === "TEXTAREA" ||
                    (el.tagName === "INPUT" && !["hidden", "checkbox", "radio", "submit", "button",
                     "reset", "image", "file", "range", "color"].includes(el.type))) {
                    el.value = "";
                }
            }
            const settled = () => { window.__crawlSettled = true; };
            document.addEventListener("htmx:afterSettle", settled);
            document.addEventListener("htmx:responseError", settled);
            form.noValidate = true;
            form.requestSubmit();
        }""",
        index,
    )
    # No answer within 5 s (a download, a cancelled confirm): check the page as it is.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(
            "() => !window.__crawlSent || window.__crawlSettled === true", timeout=5000
        )
    page.wait_for_load_state()


def states_after_empty_submits(
    page: Page, crawl_result: Crawl, logout_path: str, visit: Callable[[Page, str], None]
) -> list[str]:
    """After the link crawl, open each page with a form again, send the form
    empty, and call visit(page, label) on what comes back. Returns the labels."""
    labels = []
    for form in crawl_result.forms:
        if form["skip"] or not form["fields"] or urlsplit(form["action"]).path == logout_path:
            continue
        page.goto(form["page"])
        forms_now = page_forms(page)
        if form["index"] >= len(forms_now) or forms_now[form["index"]]["action"] != form["action"]:
            continue  # the page changed since the crawl saw it
        submit_empty(page, form["index"])
        label = (
            f"{form['page']} after sending the form to "
            f"{path_key(form['action'])} ({form['method'].upper()}) empty"
        )
        labels.append(label)
        visit(page, label)
    return labels


def axe_violations(page: Page, label: str) -> list[str]:
    """Run axe-core on the page as it is now; one readable line per failing
    element: page, rule, the HTML and axe's help address."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    found = []
    for violation in results["violations"]:
        for node in violation["nodes"]:
            found.append(
                f"{label}: {violation['id']} ({node.get('impact') or violation['impact']}): "
                f"{violation['help']}\n"
                f"    element: {' '.join(map(str, node['target']))}\n"
                f"    html: {node['html'][:300]}\n"
                f"    {node.get('failureSummary', '').replace(chr(10), ' ')}\n"
                f"    help: {violation['helpUrl']}"
            )
    return found


def announced_invalid(page: Page, label: str) -> list[str]:
    """Controls a screen reader would announce as "invalid" on a page that
    shows no error: read from Chromium's accessibility tree (what assistive
    technology is given), not from the HTML. A required radio group is
    exposed as invalid before anyone has chosen, which axe does not report."""
    if page.locator("[data-error-summary]").count():
        return []
    session = page.context.new_cdp_session(page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    found = []
    for node in nodes:
        for prop in node.get("properties", []):
            if prop["name"] == "invalid" and prop["value"].get("value") not in ("false", False):
                role = node.get("role", {}).get("value", "?")
                name = node.get("name", {}).get("value", "")
                found.append(
                    f'{label}: the {role} "{name}" is announced as invalid before it is answered'
                )
    return found


# Clicks each error summary link in turn; returns what went wrong.
ERROR_LINK_PROBLEMS = """() => {
    const problems = [];
    const summary = document.querySelector("[data-error-summary]");
    if (!summary) return problems;
    const inView = el => {
        const box = el.getBoundingClientRect();
        return box.top >= 0 && box.bottom <= window.innerHeight;
    };
    for (const link of summary.querySelectorAll("a[href^='#']")) {
        const id = decodeURIComponent(link.getAttribute("href").slice(1));
        const target = document.getElementById(id);
        if (!target) continue;  // shell_problems reports it
        window.scrollTo({ top: 0, behavior: "instant" });
        link.click();
        const fieldset = target.closest("fieldset");
        const questions = [
            fieldset && fieldset.querySelector("legend"),
            target.id && document.querySelector(`label[for="${CSS.escape(target.id)}"]`),
        ].filter(Boolean);
        if (document.activeElement !== target) {
            problems.push(`the error summary link "${link.textContent.trim()}" did not move focus `
                          + `to its field`);
        } else if (target.getBoundingClientRect().top >= window.innerHeight) {
            problems.push(`after the error summary link "${link.textContent.trim()}" its field `
                          + `is below the window`);
        } else if (questions.length && !questions.some(inView)) {
            const question = questions[0].textContent.trim().slice(0, 60);
            problems.push(`after the error summary link "${link.textContent.trim()}" the `
                          + `question (${question}) is out of view`);
        }
    }
    window.scrollTo({ top: 0, behavior: "instant" });
    summary.focus();
    return problems;
}"""


def error_links_show_questions(page: Page, label: str) -> list[str]:
    """Each error summary link, clicked, puts focus on its field with the
    field's question (legend or label) in view, as the GOV.UK error summary
    does: a link that scrolled the field to the top of the window would hide
    the question and its error message above it."""
    return [f"{label}: {problem}" for problem in page.evaluate(ERROR_LINK_PROBLEMS)]


# The page shell's own rules, which axe does not hold every page to.
SHELL_PROBLEMS = """() => {
    const problems = [];
    const h1s = document.querySelectorAll("h1");
    if (h1s.length !== 1) problems.push(`${h1s.length} <h1> headings (there must be exactly one)`);
    if (!/ - Coproduce$/.test(document.title)) {
        problems.push(`the title "${document.title}" does not end " - Coproduce"`);
    }
    if (document.querySelectorAll("main").length !== 1) problems.push("not exactly one <main>");
    const summary = document.querySelector("[data-error-summary]");
    if (summary) {
        if (document.activeElement !== summary) {
            problems.push("the error summary did not take focus (focus is on "
                          + `${document.activeElement.outerHTML.slice(0, 80)})`);
        }
        if (!document.title.startsWith("Error: ")) {
            problems.push(`an error summary is shown but the title "${document.title}" `
                          + `does not start "Error: "`);
        }
        for (const link of summary.querySelectorAll("a")) {
            const id = decodeURIComponent((link.getAttribute("href") || "").replace(/^#/, ""));
            const target = id && document.getElementById(id);
            if (!target) {
                problems.push(`the error summary link ${link.outerHTML} leads to no element`);
            } else if (!target.matches("input, select, textarea, button, [tabindex]")) {
                problems.push(`the error summary link ${link.outerHTML} leads to `
                              + `${target.outerHTML.slice(0, 120)}, which cannot take focus`);
            }
        }
    }
    return problems;
}"""


def shell_problems(page: Page, label: str) -> list[str]:
    """Exactly one h1 and one main, a title "Page name - Coproduce", and when
    an error summary is shown: the title starts "Error: ", the summary has
    focus (after a page load or an htmx swap) and its links lead to fields."""
    return [f"{label}: {problem}" for problem in page.evaluate(SHELL_PROBLEMS)]
