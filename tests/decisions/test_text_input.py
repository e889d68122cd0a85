"""What people type is shown to others as it looks: names and comments are
normalised, and characters that are invisible, that reverse the direction of
text or that are control characters are removed; text with nothing visible
left counts as empty (issue: "a comment made only of zero-width characters is
posted"; "display names accept line breaks, right-to-left override,
invisible-only text")."""

import unicodedata

import pytest
from django.urls import reverse

from coproduce.text import clean_line, clean_paragraphs
from decisions.models import Comment

RLO = "\u202e"  # right-to-left override: "Sam\u202eotakO" shows as "SamOkato"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Aisha Rahman", "Aisha Rahman"),
        ("  Aisha \t  Rahman\n", "Aisha Rahman"),  # one line, spaces made one
        ("Aisha\nRahman", "Aisha Rahman"),
        (f"Sam Okafor{RLO} (facilitator)", "Sam Okafor (facilitator)"),
        ("Jo\u200bse\u0301", "Jos\u00e9"),  # NFC: é as one character
        ("Pat\x00\x07", "Pat"),
        (ZERO_WIDTH, ""),
        ("\u3164\u2800 ", ""),  # characters that show as blank
        ("👩\u200d👧", "👩\u200d👧"),  # a joiner inside an emoji stays
    ],
)
def test_a_line_keeps_only_what_shows(typed, kept):
    assert clean_line(typed) == kept
    assert unicodedata.is_normalized("NFC", clean_line(typed))


def test_paragraphs_keep_their_line_breaks_and_lose_the_rest():
    typed = f"First line{RLO}\r\n\r\n\r\n\r\nSecond\u200b line  \n\x0b"
    assert clean_paragraphs(typed) == "First line\n\nSecond line"
    assert clean_paragraphs(f"\n{ZERO_WIDTH}\n \n") == ""


def test_a_comment_of_invisible_characters_is_refused_with_what_was_typed_kept(
    client, world, decision
):
    client.force_login(world.professional.user)
    url = f"{decision.get_absolute_url()}comments/"
    response = client.post(url, {"comment-body": ZERO_WIDTH * 3})
    page = response.content.decode()
    assert '<a href="#id_comment-body">Write your comment</a>' in page
    assert not Comment.objects.exists()

    client.post(url, {"comment-body": f"I agree{RLO} with this"})
    assert Comment.objects.get().body == "I agree with this"


def test_a_name_of_invisible_characters_or_with_a_direction_override_is_cleaned(client, user):
    client.force_login(user)
    before = user.display_name
    page = client.post(reverse("participants:account"), {"display_name": ZERO_WIDTH}).content
    assert ">Enter your name</a>" in page.decode()
    user.refresh_from_db()
    assert user.display_name == before

    client.post(reverse("participants:account"), {"display_name": f"Pat\nParticipant{RLO}"})
    user.refresh_from_db()
    assert user.display_name == "Pat Participant"


def test_a_copied_name_cannot_pass_for_the_facilitator(client, world, decision):
    """Names in a project come with the member's label, and "facilitator"
    for facilitators, so a participant who takes the facilitator's name is
    still shown as a participant."""
    facilitator = world.facilitator.user
    impostor = world.participant.user
    impostor.display_name = facilitator.display_name
    impostor.save()
    client.force_login(impostor)
    client.post(f"{decision.get_absolute_url()}comments/", {"comment-body": "Voting is closed."})
    client.force_login(world.professional.user)
    page = client.get(decision.get_absolute_url()).content.decode()
    name = facilitator.display_name
    assert f"<strong>{name} (participant)</strong>" in page
    assert f"<strong>{name} (professional, facilitator)</strong>" not in page
