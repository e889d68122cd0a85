"""The name of the person who helped someone vote: a GOV.UK conditional
reveal. The box is in the page for everyone (without JavaScript it always
shows, its hint saying when to fill it); static/js/coproduce.js hides it
until "Someone helped me" is ticked (tests/browser/test_forms.py). The
server ignores a name when the box is not ticked and asks for one when it
is."""

from django.urls import reverse

from decisions.models import Vote
from tests.decisions.support import sign_in


def _url(name, decision):
    return reverse(
        f"decisions:{name}",
        kwargs={"slug": decision.project.slug, "public_id": decision.public_id},
    )


def _group(page, field_id):
    """The form group of a field: from its opening tag to the next group."""
    start = page.index(f'id="{field_id}_reveal"')
    start = page.rindex("<div", 0, start)
    return page[start : page.index('<div class="form-group', start + 1)]


def test_the_vote_form_ties_the_name_box_to_its_checkbox(client, world, decision):
    sign_in(client, world, "participant")
    page = client.get(decision.get_absolute_url()).content.decode()
    group = _group(page, "id_vote-supporter")
    assert group.startswith(
        '<div class="form-group" id="id_vote-supporter_reveal" data-reveal-when="id_vote-assisted">'
    )
    assert '<label class="label" for="id_vote-supporter">Name of the person who helped' in group
    assert ">Only if someone helped you. Other members see that you had help" in group
    assert 'type="checkbox" name="vote-assisted"' in page
    # The checkbox comes first, the name box right after it.
    assert page.index('name="vote-assisted"') < page.index('id="id_vote-supporter_reveal"')
    # Nothing else on the page is revealed this way.
    assert page.count("data-reveal-when=") == 1


def test_the_recorded_vote_form_has_its_own_reveal(client, world, decision):
    sign_in(client, world, "facilitator")
    page = client.get(decision.get_absolute_url()).content.decode()
    group = _group(page, "id_behalf-supporter")
    assert 'data-reveal-when="id_behalf-assisted"' in group
    assert ">Only if a supporter helped." in group
    assert "A supporter helped them (a carer or advocate)</label>" in page


def test_a_name_typed_without_the_box_ticked_is_ignored(client, world, decision):
    sign_in(client, world, "participant")
    response = client.post(
        _url("vote", decision), {"vote-choice": "agree", "vote-supporter": "Joan Price"}
    )
    assert response.status_code == 302
    vote = Vote.objects.get()
    assert (vote.assisted, vote.supporter) == (False, "")


def test_the_box_ticked_without_a_name_is_refused_with_the_name_box_shown(client, world, decision):
    sign_in(client, world, "participant")
    response = client.post(
        _url("vote", decision),
        {"vote-choice": "agree", "vote-assisted": "on", "vote-supporter": "  "},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert '<a href="#id_vote-supporter">Enter the name of the person who helped</a>' in page
    group = _group(page, "id_vote-supporter")
    assert group.startswith('<div class="form-group form-group--error" id="id_vote-supporter')
    assert 'class="error-message"' in group  # what keeps it shown with JavaScript
    assert 'name="vote-assisted" id="id_vote-assisted" checked' in page
    assert not Vote.objects.exists()
