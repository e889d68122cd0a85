"""The pages of this area in a real browser, checked by axe-core (WCAG 2.0,
2.1 and 2.2 A and AA) and the page shell's own rules, in every state a person
can reach: first load, after a failed submit (the error summary), and after
a change. The crawl (tests/browser/test_axe_crawl.py) reaches pages by links;
pages opened from links in emails (tokens) are checked here."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from participants.mail import links
from participants.models import Invitation, User
from projects.models import Membership
from tests.browser import conftest as browser
from tests.browser.crawling import axe_violations, shell_problems

pytestmark = pytest.mark.browser

# The browser tests' fixtures: Debian's Chromium, the live server, the demo.
browser_type_launch_args = browser.browser_type_launch_args
base_url = browser.base_url
demo = browser.demo
sign_in = browser.sign_in


def check(page, label, problems):
    problems.extend(axe_violations(page, label))
    problems.extend(shell_problems(page, label))


def test_pages_opened_from_emails(demo, new_context, base_url, live_server):
    aisha = User.objects.get(email="aisha@example.org")
    sam = User.objects.get(email="sam@example.org")
    project = Membership.objects.get(user=aisha).project
    invitation = Invitation.objects.create(
        project=project, email="newcomer@example.org", label="participant", invited_by=sam
    )
    cancelled = Invitation.objects.create(
        project=project,
        email="cancelled@example.org",
        label="professional",
        invited_by=sam,
        revoked_at=timezone.now(),
        revoked_by=sam,
        expires_at=timezone.now() + timedelta(days=3),
    )
    page = new_context().new_page()
    problems: list[str] = []

    def visit(path, label):
        page.goto(f"{base_url}{path}")
        check(page, label, problems)

    preferences = reverse("participants:email_preferences", args=[links.preferences_token(aisha)])
    visit(preferences, "email preferences")
    page.fill("#id_digest_time", "half past six")
    page.get_by_role("button", name="Save your email choices").click()
    page.wait_for_load_state()
    check(page, "email preferences, after a bad time", problems)
    assert page.title().startswith("Error: ")

    stop = reverse("participants:email_stop", args=[links.stop_token(aisha, "closing_soon")])
    visit(stop, "one-click stop")
    page.get_by_role("button", name="Stop these emails").click()
    page.wait_for_load_state()
    check(page, "one-click stop, done", problems)
    assert "Emails stopped" in page.content()

    visit(reverse("participants:email_stop", args=["forged"]), "bad email link")
    visit(
        reverse("participants:invitation_accept", args=[links.invitation_token(invitation)]),
        "invitation, signed out",
    )
    visit(reverse("participants:invitation_accept", args=["forged"]), "forged invitation")
    visit(
        reverse("participants:invitation_accept", args=[links.invitation_token(cancelled)]),
        "cancelled invitation",
    )
    visit(
        reverse("participants:email_stop", args=[links.invitation_stop_token(invitation)]),
        "say no to an invitation",
    )
    assert not problems, f"{len(problems)} problems:\n\n" + "\n\n".join(problems)


def test_pages_of_members_and_facilitators(demo, sign_in, new_context, base_url):
    aisha = User.objects.get(email="aisha@example.org")
    membership = Membership.objects.select_related("project").get(user=aisha)
    project = membership.project
    problems: list[str] = []

    member = new_context()
    sign_in(member, "participant")
    page = member.new_page()
    page.goto(f"{base_url}{reverse('participants:profile')}")
    check(page, "profile", problems)
    page.get_by_role("link", name="Change your access needs").click()
    page.wait_for_load_state()
    check(page, "profile: access needs", problems)
    page.get_by_label("Something else").check()
    page.fill("#id_access_needs_other", "")  # the demo gives Aisha some words here
    page.get_by_role("button", name="Save your access needs").click()
    page.wait_for_load_state()
    check(page, "profile: access needs, after a missing answer", problems)
    assert page.title() == "Error: Your access needs - Coproduce"
    for name in ["participants:profile_about_you", "participants:profile_emails"]:
        page.goto(f"{base_url}{reverse(name)}")
        check(page, name, problems)

    facilitator = new_context()
    sign_in(facilitator, "facilitator")
    page = facilitator.new_page()
    page.goto(f"{base_url}{reverse('participants:invitations', args=[project.slug])}")
    check(page, "invitations", problems)
    page.fill("#id_emails", "ann@example.org, not an address")
    page.get_by_role("button", name="Invite everyone in the list").click()
    page.wait_for_load_state()
    check(page, "invitations, after a bad address in the list", problems)
    page.get_by_label("Email address for person 2", exact=True).fill("not an address")
    page.get_by_role("button", name="Send invitations").click()
    page.wait_for_load_state()
    check(page, "invitations, after a bad address in a row", problems)
    page.goto(
        f"{base_url}"
        + reverse("participants:member_access_needs", args=[project.slug, membership.pk])
    )
    check(page, "a member's access needs", problems)
    assert not problems, f"{len(problems)} problems:\n\n" + "\n\n".join(problems)
