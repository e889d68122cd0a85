"""Every page a facilitator opens in a project has its own title, naming the
decision or project it is about (a screen reader reads the title first, and
browser tabs and history show it)."""

import re

from django.urls import reverse

from tests.decisions.support import make_decision
from tests.factories import CommentFactory
from tests.roles import sign_in


def _title(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)


def test_each_page_of_a_project_has_a_title_of_its_own(client, world):
    decision = make_decision(world, title="Paint the garden room")
    comment = CommentFactory(decision=decision, author=world.facilitator, body="Yes please.")
    project = {"slug": world.project.slug}
    about = {**project, "public_id": decision.public_id}
    sign_in(client, world.facilitator.user)

    titles = {
        name: _title(client, url)
        for name, url in {
            "decision": decision.get_absolute_url(),
            "edit": reverse("decisions:edit", kwargs=about),
            "comment edit": reverse(
                "decisions:comment_edit", kwargs={**about, "comment_id": comment.pk}
            ),
            "comment hide": reverse(
                "decisions:comment_hide", kwargs={**about, "comment_id": comment.pk}
            ),
            "propose": reverse("decisions:propose", kwargs=project),
            "propose questions": reverse("decisions:propose", kwargs=project) + "?kind=choice",
            "project home": reverse("projects:detail", kwargs=project),
            "project edit": reverse("projects:edit", kwargs=project),
            "next stage": reverse("projects:stage_advance", kwargs=project),
            "label": reverse("projects:member_label", kwargs=project),
        }.items()
    }

    assert len(set(titles.values())) == len(titles), titles
    for name in ("edit", "comment edit", "comment hide"):
        assert "“Paint the garden room”" in titles[name], titles[name]
    for name in ("propose", "propose questions", "project edit", "next stage", "label"):
        assert world.project.name in titles[name], titles[name]
