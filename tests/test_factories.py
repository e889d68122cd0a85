from decisions.models import Vote
from tests.factories import CommentFactory, OptionFactory, VoteFactory


def test_factories_build_a_consistent_project(db):
    vote = VoteFactory()
    assert vote.member.project == vote.decision.project
    assert vote.decision.stage.project == vote.decision.project
    assert vote.decision.stage.is_current
    option = OptionFactory()
    assert option.decision.kind == "choice"
    comment = CommentFactory()
    assert comment.author.project == comment.decision.project
    assert Vote.objects.count() == 1
