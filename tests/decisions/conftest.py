import pytest

from tests.decisions.support import build_world, make_decision


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def decision(world):
    return make_decision(world, title="Open the day centre until 6pm")


@pytest.fixture
def choice_decision(world):
    return make_decision(
        world,
        title="Choose the drop-in time",
        options=["Monday 2pm", "Wednesday 10am", "Friday 1pm"],
    )
