"""The reads the project pages need, each with its select_related,
prefetches and annotations stated, and each docstring saying how many
queries it takes (tests/projects/test_selectors.py pins them at two sizes).
What may be seen of a ladder check is decided in projects/ladder.py."""

from typing import TypedDict

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Window
from django.db.models.functions import RowNumber

from projects.ladder import (
    MIN_ANSWERS_TO_SHOW,
    LadderResults,
    LadderVisibility,
    ladder_results,
    ladder_visibility,
    with_answer_counts,
)
from projects.models import Activity, LadderAnswer, Membership, Project, Stage

# How many lines of recent activity, and names of each group, the project
# home shows: a page bounded by design, however long the project has run.
RECENT_ACTIVITY = 10
NAMES_ON_HOME = 12


# --- the projects on the home page ----------------------------------------------


class YourProjects(TypedDict):
    projects: list[Project]
    can_start_project: bool


def your_projects(*, user) -> YourProjects:
    """The projects ``user`` may see (as a member or a project manager), by
    status then name, each with its organisation, its progress, whether the
    user is a member (``is_member``) and its ``current_stages``; and whether
    the user may start a project. Three queries however many projects:
    projects, their current stages, the organisations the user manages."""
    projects = (
        Project.objects.visible_to(user)
        .select_related("organisation")
        .with_progress()
        .annotate(
            is_member=Exists(Membership.objects.current().filter(project=OuterRef("pk"), user=user))
        )
        .prefetch_related(
            Prefetch("stages", queryset=Stage.objects.current(), to_attr="current_stages")
        )
        .order_by("status", "name")
    )
    return {
        "projects": list(projects),
        "can_start_project": user.managed_organisations.exists(),
    }


# --- stages -----------------------------------------------------------------------


def _with_ladder(stage: Stage, project: Project) -> Stage:
    """Give a stage annotated by with_answer_counts() its project (for its
    address, without a query) and ``ladder``: what may be seen of its ladder
    check (projects/ladder.py), which every page showing stages uses."""
    stage.project = project
    stage.ladder = ladder_visibility(
        stage, participants=stage.participant_answers, professionals=stage.professional_answers
    )
    return stage


def stages_with_ladder(*, project: Project) -> list[Stage]:
    """The project's stages in order, each with ``ladder``: what may be said
    of its ladder check (while answers are open, at most how many people have
    answered, never how many of each group). One query."""
    stages = with_answer_counts(Stage.objects.filter(project=project)).order_by("position", "pk")
    return [_with_ladder(stage, project) for stage in stages]


class Progress(TypedDict):
    stages: list[Stage]
    current_stage: Stage | None
    stage_number: int
    stage_count: int
    done_count: int
    to_come_count: int
    next_stage: Stage | None


def stage_progress(*, stages: list[Stage]) -> Progress:
    """Where the project is, from its stages in order: the current stage
    and "Stage 3 of 7". No query."""
    current = next((stage for stage in stages if stage.is_current), None)
    future = [stage for stage in stages if stage.is_future]
    return {
        "stages": stages,
        "current_stage": current,
        "stage_number": len(stages) - len(future),
        "stage_count": len(stages),
        "done_count": sum(1 for stage in stages if stage.is_past),
        "to_come_count": len(future),
        "next_stage": future[0] if future else None,
    }


def timeline(*, project: Project) -> Progress:
    """The stages page: the progress, each stage with ``ladder`` and whether
    a facilitator may move it up or down (only stages that have not started
    move, and only among themselves). One query."""
    stages = stages_with_ladder(project=project)
    for index, stage in enumerate(stages):
        stage.can_move_up = stage.is_future and index > 0 and stages[index - 1].is_future
        stage.can_move_down = stage.is_future and index + 1 < len(stages)
    return stage_progress(stages=stages)


class StagePage(TypedDict):
    stage: Stage
    stage_number: int
    stage_count: int
    own_answer: LadderAnswer | None
    ladder: LadderVisibility
    results: LadderResults | None
    min_answers: int


def stage_page(
    *, project: Project, stage_id: int, membership: Membership | None
) -> StagePage | None:
    """A stage of the project (None when it has no such stage) with who
    started and ended it, its place among the stages, what may be seen of
    its ladder check, the member's own answer, and the results once they
    may be shown: nothing of them while answers are open (projects/ladder.py
    says why). Two queries (stages, own answer; one for a non-member), and
    those of projects.ladder.ladder_results once the results are shown."""
    stages = list(
        with_answer_counts(Stage.objects.filter(project=project))
        .select_related("started_by", "ended_by")
        .order_by("position", "pk")
    )
    stage = next((stage for stage in stages if stage.pk == stage_id), None)
    if stage is None:
        return None
    ladder = _with_ladder(stage, project).ladder
    own_answer = None
    if membership is not None:
        own_answer = LadderAnswer.objects.filter(stage=stage, membership=membership).first()
    return {
        "stage": stage,
        "stage_number": stages.index(stage) + 1,
        "stage_count": len(stages),
        "own_answer": own_answer,
        "ladder": ladder,
        "results": ladder_results(stage) if ladder.results_shown else None,
        "min_answers": MIN_ANSWERS_TO_SHOW,
    }


# --- members ----------------------------------------------------------------------


class MemberGroup(TypedDict):
    label: str
    title: str
    members: list[Membership]
    count: int
    more: int


def members_by_label(*, project: Project, names_limit: int | None = None) -> list[MemberGroup]:
    """The current members in two groups, participants then professionals,
    each with its size (``count``) and how many are not listed (``more``).
    With ``names_limit``, only the first few names of each group are loaded.
    One query, however many members there are."""
    members = (
        Membership.objects.current()
        .filter(project=project)
        .select_related("user")
        .annotate(group_size=Window(Count("pk"), partition_by=[F("label")]))
    )
    if names_limit is not None:
        members = members.annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("label")],
                order_by=[F("user__display_name").asc(), F("pk").asc()],
            )
        ).filter(place__lte=names_limit)
    members = list(members.order_by("user__display_name", "pk"))
    groups = []
    for label in Membership.Label.values:
        in_group = [member for member in members if member.label == label]
        size = in_group[0].group_size if in_group else 0
        groups.append(
            {
                "label": label,
                "title": "Participants"
                if label == Membership.Label.PARTICIPANT
                else "Professionals",
                "members": in_group,
                "count": size,
                "more": size - len(in_group),
            }
        )
    return groups


class MembersPage(TypedDict):
    groups: list[MemberGroup]
    left_count: int


def members_page(*, project: Project) -> MembersPage:
    """Every current member by label, and how many have left. Two queries."""
    return {
        "groups": members_by_label(project=project),
        "left_count": Membership.objects.filter(project=project, left_at__isnull=False).count(),
    }


# --- the project home -------------------------------------------------------------


class Balance(TypedDict):
    participants: int
    professionals: int
    members: int


class ProjectHome(Progress):
    activities: list[Activity]
    groups: list[MemberGroup]
    balance: Balance


def project_home(*, project: Project) -> ProjectHome:
    """The project home: where the project is (its stages, with ``ladder``),
    the recent activity, the first names of each group of members and the
    balance of who takes part. Three queries, however many members, stages
    and activity lines."""
    participants, professionals = groups = members_by_label(
        project=project, names_limit=NAMES_ON_HOME
    )
    return {
        **stage_progress(stages=stages_with_ladder(project=project)),
        "activities": list(Activity.objects.filter(project=project)[:RECENT_ACTIVITY]),
        "groups": groups,
        "balance": {
            "participants": participants["count"],
            "professionals": professionals["count"],
            "members": participants["count"] + professionals["count"],
        },
    }
