"""The project pages once their lists run to several pages (the demo project
with a few hundred more members, and a page size of 5): the members page
with its search form, its page links and a bad search, the decision log's
second page, the project home's "and N more" links and a stage's comments
in pages, each checked by axe-core and held to the page shell's rules."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from projects.models import Membership, Project
from tests.browser.crawling import axe_violations, shell_problems
from tests.factories import bulk_members

pytestmark = pytest.mark.browser


def test_paged_project_pages_pass_axe(demo, sign_in, new_context, base_url, settings):
    settings.COPRODUCE_PAGE_SIZE = 5
    project = Project.objects.get(memberships__user__email="sam@example.org")
    bulk_members(
        project,
        300,
        label=[Membership.Label.PARTICIPANT, Membership.Label.PROFESSIONAL],
        prefix="Extra member",
    )
    current = Membership.objects.current().filter(project=project)
    pages = -(-current.count() // 5)
    participants = current.filter(label=Membership.Label.PARTICIPANT).count()
    context = new_context()
    sign_in(context, "facilitator")
    page = context.new_page()
    problems: list[str] = []

    def check(label):
        problems.extend(axe_violations(page, label) + shell_problems(page, label))

    members = reverse("projects:members", kwargs={"slug": project.slug})
    page.goto(members)
    expect(page.get_by_role("navigation", name="Pages of members")).to_be_visible()
    check("members, page 1")
    page.get_by_role("link", name="Next page").click()
    expect(page).to_have_title(f"Members of {project.name}, page 2 of {pages} - Coproduce")
    check("members, page 2")
    page.get_by_label("Name").fill("Extra member 12")
    page.get_by_role("button", name="Show members").click()
    expect(page.get_by_role("heading", name="Members who match: 11")).to_be_visible()
    check("members, found by name")
    page.goto(f"{members}?label=nobody")
    check("members, a bad search")

    page.goto(reverse("decisions:log", kwargs={"slug": project.slug}) + "?page=2")
    check("decision log, page 2")

    page.goto(project.get_absolute_url())
    expect(page.get_by_role("link", name=f"See all {participants} participants")).to_be_visible()
    check("project home with more members than it names")

    for stage in project.stages.exclude(ended_at=None):
        page.goto(stage.get_absolute_url())
        check(f"stage {stage.name}")
    assert not problems, f"{len(problems)} problems:\n\n" + "\n\n".join(problems)
