"""The admin dashboard as project managers reach it, checked by axe-core
(WCAG 2.0, 2.1 and 2.2 A and AA) on every page a link leads to from /admin/:
the index, each list (and its filters and sorting, a few of each), each change
page, and each page an action asks on. Signed in as a manager who is staff and
not a superuser (Ravi, the demo's second Riverside manager), as a manager of
the other organisation (Nina), and as the superuser (Helen)."""

import time

import pytest

from tests.browser.crawling import axe_violations, crawl

pytestmark = pytest.mark.browser

ADMIN_MAX_PAGES = 80


@pytest.mark.parametrize("manager", ["ravi@example.org", "nina@example.org", "helen@example.org"])
def test_every_admin_page_a_manager_reaches_passes_axe(
    manager, demo, sign_in, new_context, base_url, crawl_report
):
    context = new_context()
    sign_in(context, manager)
    page = context.new_page()
    violations: list[str] = []
    checked: list[str] = []

    def check(page, label):
        checked.append(label)
        violations.extend(axe_violations(page, label))

    started = time.monotonic()
    result = crawl(
        page,
        base_url,
        check,
        start=("/admin/",),
        only="/admin/",
        # Signing out ends the crawl; a "delete" page only asks, but needs no
        # check of its own beyond the change pages it sits behind.
        skipped=("/admin/logout/", "/admin/jsi18n/", "/admin/r/"),
        max_pages=ADMIN_MAX_PAGES,
        max_queries_per_path=3,
    )
    crawl_report(
        f"admin as {manager}: {len(result.pages)} pages, {len(violations)} violations, "
        f"{time.monotonic() - started:.1f} s",
        checked,
    )
    assert len(result.pages) > 5, result.pages  # the crawl really reached the admin
    assert not result.problems, "\n".join(result.problems)
    assert not violations, f"{len(violations)} axe violations:\n" + "\n".join(violations)
