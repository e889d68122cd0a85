"""The ladder check as members read it: steps in plain words (never
"rungs"), the question laid out as a ladder, and the results with the key
finding first, the ladder picture with the middle answers marked in words,
and the numbers behind "Show the numbers"."""

import re

from tests.projects.test_ladder_anonymity import _answer, _end_stage, _world


def _page(client, world, user) -> str:
    client.force_login(user)
    return client.get(world.stage.get_absolute_url()).content.decode()


def _text(html: str) -> str:
    """What a reader reads: the page without its tags and attributes."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _steps(html: str) -> list[str]:
    """The ladder picture's steps, top first, each as its words."""
    picture = html.split('<ol class="ladder__steps" reversed>', 1)[1].split("</ol>", 1)[0]
    return [_text(step).strip() for step in picture.split('<li class="ladder__step">')[1:]]


def test_the_question_is_the_ladder_from_the_top_step_down(db, client):
    world = _world(1)
    html = _page(client, world, world.waiting.user)

    labels = re.findall(r'<label class="radios__label" for="id_rung_\d">(.*?)</label>', html)
    assert labels[0] == "Step 7: We are equal partners, from start to end (co-production)"
    assert labels[-1] == "Step 1: We come along, but have no say (coercion)"
    assert len(labels) == 7
    assert 'class="ladder ladder--choices radios"' in html
    # The drawing is hidden from screen readers: the labels say it all.
    assert html.count('<svg class="ladder__drawing"') == 7
    assert html.count('aria-hidden="true" focusable="false"') >= 7
    assert "rung" not in _text(html).lower()


def test_results_say_the_key_finding_first_then_the_picture_then_the_numbers(db, client):
    world = _world(3)
    for membership, rung in zip(world.participants, [3, 4, 4], strict=True):
        _answer(world, membership, rung)
    _answer(world, world.answered, 6)
    _answer(world, world.facilitator, 6)
    _answer(world, world.waiting, 7)
    _end_stage(world)

    html = _page(client, world, world.participants[0].user)

    finding = html.index("The middle answer of everyone who answered is step 5, We have some say")
    picture = html.index('<figure class="ladder"')
    numbers = html.index("<summary>Show the numbers</summary>")
    assert finding < picture < numbers
    assert html.index("<details>") < html.index("<table>") < html.index("</details>")
    assert "Participants feel they have less of a say than professionals think." in html
    steps = _steps(html)
    assert steps[0] == (
        "Step 7 We are equal partners, from start to end (co-production) "
        "Participants: 0 of 3. Professionals: 1 of 3."
    )
    # Marks are words beside the step, not colours.
    assert steps[1].endswith("◀ Middle answer of professionals")  # step 6
    assert steps[3].endswith("◀ Middle answer of participants")  # step 4
    assert steps[4].endswith("Participants: 1 of 3. Professionals: 0 of 3. ◀ Your answer")
    assert "rung" not in _text(html).lower()


def test_a_middle_answer_between_two_steps_is_marked_on_the_upper_one(db, client):
    world = _world(1)  # one participant: too few to show apart, so everyone
    for membership, rung in [
        (world.participants[0], 4),
        (world.answered, 4),
        (world.facilitator, 5),
        (world.waiting, 5),
    ]:
        _answer(world, membership, rung)
    _end_stage(world)

    steps = _steps(_page(client, world, world.manager))

    assert steps[2].endswith(  # step 5
        "Everyone: 2 of 4. ◀ Middle answer of everyone (between step 4 and step 5)"
    )
    assert "Middle answer" not in steps[3]  # step 4
    assert "Your answer" not in " ".join(steps)  # the manager did not answer


def test_members_who_chose_easy_words_see_a_ladder_beside_the_question(db, client):
    world = _world(1)
    member = world.waiting.user
    assert "pictures/ladder.svg" not in _page(client, world, member)

    member.reminder_format = "easy_words"
    member.save(update_fields=["reminder_format"])

    html = _page(client, world, member)
    assert 'src="/static/pictures/ladder.svg" alt="A ladder"' in html
    assert "We call this the ladder check." in _text(html)
