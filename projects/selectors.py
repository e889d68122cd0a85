"""The reads the project pages need, each with its select_related,
prefetches and annotations stated, and each docstring saying how many
queries it takes (tests/projects/test_selectors.py pins them at two sizes).
What may be seen of a ladder check is decided in projects/ladder.py."""

from typing import TypedDict

from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Prefetch, Q, QuerySet
from django.http import QueryDict

from coproduce.pagination import Paged, paged
from coproduce.queries import count_of, first_of_each
from projects import cached
from projects.ladder import (
    MIN_ANSWERS_TO_SHOW,
    LadderResults,
    LadderStep,
    LadderVisibility,
    ladder_results,
    ladder_steps,
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


LADDER_CHECKS_SHOWN = 5


def ladder_checks_waiting(*, user, project: Project | None = None) -> list[Stage]:
    """The current stages, in ``user``'s active projects (or in ``project``),
    whose ladder check they have not answered yet: at most
    LADDER_CHECKS_SHOWN, the longest-running first, each with its project
    and ``of_its_kind`` (how many there are). One query."""
    mine = Membership.objects.current().filter(user=user)
    if project is not None:
        mine = mine.filter(project=project)
    waiting = Stage.objects.current().filter(
        ~Exists(LadderAnswer.objects.filter(stage=OuterRef("pk"), membership__user=user)),
        project__in=mine.values("project"),
        project__status=Project.Status.ACTIVE,
    )
    return list(
        waiting.select_related("project")
        .annotate(of_its_kind=count_of(waiting))
        .order_by("started_at", "pk")[:LADDER_CHECKS_SHOWN]
    )


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
    # The page of the results' comments that the query asks for.
    comments: Paged | None
    min_answers: int
    # The ladder picture: the own answer and, with the results, the counts
    # and middle answers marked on it.
    ladder_steps: list[LadderStep]


# The fields of a member's own answer that stage_page reads with the stages.
OWN_ANSWER_FIELDS = ("id", "rung", "label", "comment", "answered_at")


def _with_own_answer(stages: QuerySet[Stage], membership: Membership) -> QuerySet[Stage]:
    """Stages with the member's own answer to each one's ladder check, in
    the same query: a join on the one answer a member may give a stage
    (one_ladder_answer_per_member), its fields as own_id, own_rung, ...
    (None where they have not answered). Joined apart from the answers that
    with_answer_counts() counts, so it changes no count."""
    return stages.annotate(
        own=FilteredRelation("ladder_answers", condition=Q(ladder_answers__membership=membership)),
        **{f"own_{field}": F(f"own__{field}") for field in OWN_ANSWER_FIELDS},
    )


def _own_answer(stage: Stage, membership: Membership) -> LadderAnswer | None:
    """The member's answer to this stage, from _with_own_answer()'s fields."""
    if stage.own_id is None:
        return None
    values = {field: getattr(stage, f"own_{field}") for field in OWN_ANSWER_FIELDS}
    answer = LadderAnswer(stage=stage, membership=membership, **values)
    answer._state.adding, answer._state.db = False, stage._state.db
    return answer


def stage_page(
    *,
    project: Project,
    stage_id: int,
    membership: Membership | None,
    query: QueryDict | None = None,
) -> StagePage | None:
    """A stage of the project (None when it has no such stage) with who
    started and ended it, its place among the stages, what may be seen of
    its ladder check, the member's own answer, and the results once they
    may be shown: nothing of them while answers are open (projects/ladder.py
    says why), and of their comments, the page that ``query`` (request.GET,
    parameter "comments") asks for. One query (the stages, with their answer
    counts and the member's own answers) until the results may be shown;
    then one more for how many chose each rung and one for the page of
    comments: the same however many people answered."""
    stages = (
        with_answer_counts(Stage.objects.filter(project=project))
        .select_related("started_by", "ended_by")
        .order_by("position", "pk")
    )
    if membership is not None:
        stages = _with_own_answer(stages, membership)
    stages = list(stages)
    stage = next((stage for stage in stages if stage.pk == stage_id), None)
    if stage is None:
        return None
    ladder = _with_ladder(stage, project).ladder
    own_answer = _own_answer(stage, membership) if membership is not None else None
    results = ladder_results(stage) if ladder.results_shown else None
    comments = None
    if results is not None:
        comments = paged(results.comments, query or QueryDict(), parameter="comments")
    return {
        "stage": stage,
        "stage_number": stages.index(stage) + 1,
        "stage_count": len(stages),
        "own_answer": own_answer,
        "ladder": ladder,
        "results": results,
        "comments": comments,
        "min_answers": MIN_ANSWERS_TO_SHOW,
        "ladder_steps": ladder_steps(
            own_rung=own_answer.rung if own_answer else None, results=results
        ),
    }


# --- members ----------------------------------------------------------------------


class MemberCounts(TypedDict):
    participant: int
    professional: int
    members: int
    left: int


def member_counts(*, project: Project) -> MemberCounts:
    """How many current participants and professionals the project has, and
    how many people have left: counted in the database, in one query, once
    for every change to the members (projects/cached.py)."""

    def count() -> MemberCounts:
        current = Q(left_at__isnull=True)
        counts = Membership.objects.filter(project=project).aggregate(
            participant=Count("pk", filter=current & Q(label=Membership.Label.PARTICIPANT)),
            professional=Count("pk", filter=current & Q(label=Membership.Label.PROFESSIONAL)),
            left=Count("pk", filter=Q(left_at__isnull=False)),
        )
        return {**counts, "members": counts["participant"] + counts["professional"]}

    return cached.remembered(project.pk, "member-counts", count)


# What the lists of members show (templates/projects/members.html and the
# project home): all that is read of each member and their person, so a page
# of them reads neither password hashes nor settings nor strengths.
MEMBER_LIST_FIELDS = (
    "user",
    "label",
    "is_facilitator",
    "user__display_name",
    "user__email",  # str(user) when the name is empty
    "user__access_needs",
    "user__access_needs_other",
    # The short line under a name, as far as the viewer may see it
    # (participants.profile.offer.LIST_FIELDS).
    "user__pronouns",
    "user__strength_tags",
    "user__about_visibility",
    "user__strengths_visibility",
    "user__languages_visibility",
    "user__contact_visibility",
)


def _members_in_name_order(project: Project) -> QuerySet[Membership]:
    """The current members, by name (read in order from the user_name_order
    index), with their people: only MEMBER_LIST_FIELDS."""
    return (
        Membership.objects.current()
        .filter(project=project)
        .select_related("user")
        .only(*MEMBER_LIST_FIELDS)
        .order_by("user__display_name", "pk")
    )


class NamedMember(TypedDict):
    name: str
    is_facilitator: bool


class MemberGroup(TypedDict):
    label: str
    title: str
    members: list[NamedMember]
    count: int
    more: int


GROUP_TITLES = {
    Membership.Label.PARTICIPANT: "Participants",
    Membership.Label.PROFESSIONAL: "Professionals",
}


def members_by_label(*, project: Project, counts: MemberCounts, names: int) -> list[MemberGroup]:
    """The current members in two groups, participants then professionals,
    each with its size (``count``, from member_counts), the name of each of
    its first ``names`` members by name and whether they facilitate, and how
    many are not listed (``more``). One query (the first names of both
    groups, each LIMITed; two on SQLite), however many members, once for
    every change to the members (projects/cached.py)."""

    def first_names() -> list[dict]:
        in_order = _members_in_name_order(project)
        members = first_of_each(
            [in_order.filter(label=label)[:names] for label in GROUP_TITLES],
            order_by=("user__display_name", "pk"),
        )
        return [
            {
                "label": member.label,
                "name": member.user.display_name,
                "is_facilitator": member.is_facilitator,
            }
            for member in members
        ]

    members = cached.remembered(project.pk, f"first-{names}-names", first_names)
    groups = []
    for label, title in GROUP_TITLES.items():
        in_group = [
            {"name": member["name"], "is_facilitator": member["is_facilitator"]}
            for member in members
            if member["label"] == label
        ]
        groups.append(
            {
                "label": label,
                "title": title,
                "members": in_group,
                "count": counts[label],
                "more": counts[label] - len(in_group),
            }
        )
    return groups


class MembersPage(TypedDict):
    counts: MemberCounts
    members: Paged
    left_count: int


def members_page(
    *, project: Project, query: QueryDict, label: str = "", name: str = "", strength: str = ""
) -> MembersPage:
    """The members page: how many members of each kind and how many have
    left, and the page of current members by name that ``query``
    (request.GET) asks for, only those counted as ``label`` and whose name
    contains ``name`` when these are given, and, for ``strength`` (for
    facilitators only: the view says who), only those who offer it and let
    facilitators find them by it. Three queries (the counts, the length of
    the list and the page), however many members."""
    members = _members_in_name_order(project)
    if label:
        members = members.filter(label=label)
    if name:
        members = members.filter(user__display_name__icontains=name)
    if strength:
        members = members.filter(
            user__findable_by_strength=True, user__strength_tags__contains=[strength]
        )
    counts = member_counts(project=project)
    return {"counts": counts, "members": paged(members, query), "left_count": counts["left"]}


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
    the RECENT_ACTIVITY newest lines of activity, the first NAMES_ON_HOME
    names of each group of members and the balance of who takes part. Four
    queries, each reading only what the page shows, however many members,
    stages and activity lines."""
    counts = member_counts(project=project)
    return {
        **stage_progress(stages=stages_with_ladder(project=project)),
        "activities": list(Activity.objects.filter(project=project)[:RECENT_ACTIVITY]),
        "groups": members_by_label(project=project, counts=counts, names=NAMES_ON_HOME),
        "balance": {
            "participants": counts["participant"],
            "professionals": counts["professional"],
            "members": counts["members"],
        },
    }
