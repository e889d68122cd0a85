"""Project pages. Views are thin: they check access, validate a form and call
a service.

Access: a signed-out visitor is sent to sign in for every project address,
whether or not the project exists, so the redirect says nothing about it.
Signed in, a person who is neither a current member nor a project manager of
the organisation gets 404 (staff included: they use the admin dashboard).
Members who are not facilitators get 403 on housekeeping pages.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from projects import services
from projects.forms import (
    ConfirmForm,
    FacilitatorForm,
    LabelForm,
    LadderAnswerForm,
    ProjectCreateForm,
    ProjectForm,
    StageAddForm,
    StageAdvanceForm,
    StageForm,
    StageMoveForm,
)
from projects.ladder import (
    MIN_ANSWERS_TO_SHOW,
    ladder_results,
    ladder_visibility,
    with_answer_counts,
)
from projects.models import Activity, LadderAnswer, Membership, Project, Stage
from projects.permissions import ProjectAccess, project_access_or_404

RECENT_ACTIVITY = 10
NAMES_ON_HOME = 12


def _add_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the field it names when
    the form has that field, otherwise at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _data(request):
    """The submitted data for a POST (even an empty one), None for a GET."""
    return request.POST if request.method == "POST" else None


def _saved(request, form, save) -> bool:
    """For a POST with valid input, call save(cleaned_data): the service that
    writes. True when it saved; when the service refuses, its reasons go on
    the form, to be shown with what the person typed."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        save(form.cleaned_data)
    except ValidationError as error:
        _add_errors(form, error)
        return False
    return True


def _project_page(request, template: str, access: ProjectAccess, **context):
    return render(request, template, {"access": access, "project": access.project, **context})


def _facilitate_or_403(access: ProjectAccess) -> None:
    if not access.can_facilitate:
        raise PermissionDenied("Only facilitators and project managers can do this.")


def _stage_or_404(access: ProjectAccess, pk: int) -> Stage:
    return get_object_or_404(Stage, project=access.project, pk=pk)


def _member_or_404(access: ProjectAccess, pk: int) -> Membership:
    """A member of this project, current or past: a person who has just left
    gets a message rather than a missing page (a second press of "Remove")."""
    return get_object_or_404(
        Membership.objects.select_related("user"), project=access.project, pk=pk
    )


def _no_longer_a_member(request, access: ProjectAccess, membership: Membership):
    messages.error(request, f"{membership.user} is no longer a member of the project.")
    return redirect("projects:members", slug=access.project.slug)


def _with_ladder(stage: Stage, project: Project) -> Stage:
    """Give a stage annotated by with_answer_counts() its project (for its
    address, without a query) and `ladder`: what may be seen of its ladder
    check (projects/ladder.py), which every page showing stages uses."""
    stage.project = project
    stage.ladder = ladder_visibility(
        stage, participants=stage.participant_answers, professionals=stage.professional_answers
    )
    return stage


def _stages(project: Project) -> list[Stage]:
    """The project's stages in order, each with what may be said of its
    ladder check: while answers are open, at most how many people have
    answered, never how many of each group."""
    stages = with_answer_counts(Stage.objects.filter(project=project)).order_by("position", "pk")
    return [_with_ladder(stage, project) for stage in stages]


def _progress(stages: list[Stage]) -> dict:
    """Where the project is: the current stage and "Stage 3 of 7"."""
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


def _members_by_label(project: Project, *, names_limit: int | None = None) -> list[dict]:
    """The current members in two groups, participants then professionals,
    each with its size. With names_limit, only the first few names of each
    group are loaded: still one query, however many members there are."""
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


def _balance(participants: int, professionals: int) -> dict[str, int]:
    return {
        "participants": participants,
        "professionals": professionals,
        "members": participants + professionals,
    }


@require_http_methods(["GET", "HEAD"])
def home(request):
    context = {}
    if request.user.is_authenticated:
        user = request.user
        context["projects"] = (
            Project.objects.visible_to(user)
            .select_related("organisation")
            .with_progress()
            .annotate(
                is_member=Exists(
                    Membership.objects.current().filter(project=OuterRef("pk"), user=user)
                )
            )
            .prefetch_related(
                Prefetch("stages", queryset=Stage.objects.current(), to_attr="current_stages")
            )
            .order_by("status", "name")
        )
        context["can_start_project"] = user.managed_organisations.exists()
    return render(request, "projects/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    organisations = request.user.managed_organisations.all()
    if not organisations.exists():
        raise PermissionDenied("Only project managers of an organisation can start a project.")
    form = ProjectCreateForm(_data(request), organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = services.project_create(
                organisation=data["organisation"],
                name=data["name"],
                summary=data["summary"],
                audience=data["audience"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                timezone=data["timezone"],
                creator=request.user,
                creator_label=data["creator_label"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"You started the project “{project.name}”.")
            return redirect(project)
    return render(request, "projects/project_form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "HEAD"])
def project_detail(request, slug):
    access = project_access_or_404(request.user, slug)
    project = access.project
    participants, professionals = groups = _members_by_label(project, names_limit=NAMES_ON_HOME)
    progress = _progress(_stages(project))
    return _project_page(
        request,
        "projects/project_detail.html",
        access,
        **progress,
        activities=Activity.objects.filter(project=project)[:RECENT_ACTIVITY],
        groups=groups,
        balance=_balance(participants["count"], professionals["count"]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, slug):
    access = project_access_or_404(request.user, slug)
    _facilitate_or_403(access)
    project = access.project
    form = ProjectForm(_data(request), instance=project)
    if _saved(
        request,
        form,
        lambda data: services.project_update(project=project, actor=request.user, **data),
    ):
        messages.success(request, "The project details are saved.")
        return redirect(project)
    return _project_page(request, "projects/project_form.html", access, form=form)


@login_required
@require_http_methods(["GET", "HEAD"])
def members(request, slug):
    access = project_access_or_404(request.user, slug)
    project = access.project
    return _project_page(
        request,
        "projects/members.html",
        access,
        groups=_members_by_label(project),
        left_count=Membership.objects.filter(project=project, left_at__isnull=False).count(),
        label_form=LabelForm(initial={"label": getattr(access.membership, "label", "")}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_label(request, slug):
    """A member chooses how they are counted: participant or professional."""
    access = project_access_or_404(request.user, slug)
    if access.membership is None:
        raise PermissionDenied("Only members have a label.")
    form = LabelForm(_data(request), initial={"label": access.membership.label})
    if _saved(
        request,
        form,
        lambda data: services.membership_change_label(
            membership=access.membership, label=data["label"], actor=request.user
        ),
    ):
        messages.success(request, "Your answer is saved.")
        return redirect("projects:members", slug=slug)
    return _project_page(request, "projects/member_label.html", access, form=form)


@login_required
@require_POST
def member_facilitator(request, slug, pk):
    access = project_access_or_404(request.user, slug)
    _facilitate_or_403(access)
    membership = _member_or_404(access, pk)
    if not membership.is_current:
        return _no_longer_a_member(request, access, membership)
    form = FacilitatorForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose whether they are a facilitator.")
        return redirect("projects:members", slug=slug)
    is_facilitator = form.cleaned_data["is_facilitator"]
    try:
        services.membership_set_facilitator(
            membership=membership, is_facilitator=is_facilitator, actor=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if is_facilitator:
            messages.success(request, f"{membership.user} is now a facilitator.")
        else:
            messages.success(request, f"{membership.user} is no longer a facilitator.")
    return redirect("projects:members", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request, slug, pk):
    access = project_access_or_404(request.user, slug)
    _facilitate_or_403(access)
    membership = _member_or_404(access, pk)
    if not membership.is_current:
        return _no_longer_a_member(request, access, membership)
    if access.membership is not None and access.membership.pk == membership.pk:
        return redirect("projects:leave", slug=slug)
    form = ConfirmForm(_data(request))
    if _saved(
        request,
        form,
        lambda _: services.membership_remove(membership=membership, actor=request.user),
    ):
        messages.success(request, f"{membership.user} is no longer a member of the project.")
        return redirect("projects:members", slug=slug)
    return _project_page(
        request, "projects/member_remove.html", access, form=form, membership=membership
    )


@login_required
@require_http_methods(["GET", "POST"])
def leave(request, slug):
    access = project_access_or_404(request.user, slug)
    if access.membership is None:
        raise PermissionDenied("You are not a member of this project.")
    form = ConfirmForm(_data(request))
    if _saved(request, form, lambda _: services.membership_leave(membership=access.membership)):
        messages.success(request, f"You have left the project “{access.project.name}”.")
        return redirect("home")
    return _project_page(request, "projects/leave.html", access, form=form)


@login_required
@require_http_methods(["GET", "HEAD"])
def timeline(request, slug):
    access = project_access_or_404(request.user, slug)
    stages = _stages(access.project)
    for index, stage in enumerate(stages):
        # Only stages that have not started move, and only among themselves.
        stage.can_move_up = stage.is_future and index > 0 and stages[index - 1].is_future
        stage.can_move_down = stage.is_future and index + 1 < len(stages)
    return _project_page(request, "projects/timeline.html", access, **_progress(stages))


@login_required
@require_http_methods(["GET", "POST"])
def stage_add(request, slug):
    access = project_access_or_404(request.user, slug)
    _facilitate_or_403(access)
    form = StageAddForm(_data(request))
    if _saved(
        request,
        form,
        lambda data: services.stage_add(project=access.project, actor=request.user, **data),
    ):
        messages.success(request, f"You added the stage “{form.cleaned_data['name']}” at the end.")
        return redirect("projects:stages", slug=slug)
    return _project_page(request, "projects/stage_form.html", access, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def stage_detail(request, slug, pk):
    """A stage's aims, dates, what was done and outcomes, and the ladder
    check: while the stage is current, the form (with the member's own
    answer) and at most how many people have answered; once answers have
    closed, the results, for everyone (projects/ladder.py says why)."""
    access = project_access_or_404(request.user, slug)
    project = access.project
    stages = list(
        with_answer_counts(Stage.objects.filter(project=project))
        .select_related("started_by", "ended_by")
        .order_by("position", "pk")
    )
    stage = next((stage for stage in stages if stage.pk == pk), None)
    if stage is None:
        raise Http404("No such stage")
    ladder = _with_ladder(stage, project).ladder
    own_answer = None
    if access.membership is not None:
        own_answer = LadderAnswer.objects.filter(stage=stage, membership=access.membership).first()
    form = None
    if access.can_participate and ladder.answers_open:
        initial = {"rung": own_answer.rung, "comment": own_answer.comment} if own_answer else {}
        form = LadderAnswerForm(_data(request), initial=initial)
    if request.method == "POST":
        if form is None:
            if access.can_participate:
                # Most likely the project moved on while the form was open:
                # say so, and give back what they wrote so it is not lost.
                wrote = request.POST.get("comment", "").strip()[:2000]
                messages.error(
                    request,
                    "Answers for this stage are closed, so your answer was not saved."
                    + (f" You wrote: “{wrote}”" if wrote else ""),
                )
                return redirect(stage)
            raise PermissionDenied("Only members can answer the ladder check.")
        if _saved(
            request,
            form,
            lambda data: services.ladder_answer_save(
                stage=stage, membership=access.membership, **data
            ),
        ):
            messages.success(request, "Thank you. Your answer is saved.")
            return redirect(f"{stage.get_absolute_url()}#ladder-results")
    return _project_page(
        request,
        "projects/stage_detail.html",
        access,
        stage=stage,
        stage_number=stages.index(stage) + 1,
        stage_count=len(stages),
        form=form,
        own_answer=own_answer,
        ladder=ladder,
        # Nothing of the results reaches the page while answers are open.
        results=ladder_results(stage) if ladder.results_shown else None,
        min_answers=MIN_ANSWERS_TO_SHOW,
    )


@login_required
@require_http_methods(["GET", "POST"])
def stage_edit(request, slug, pk):
    access = project_access_or_404(request.user, slug)
    _facilitate_or_403(access)
    stage = _stage_or_404(access, pk)
    form = StageForm(_data(request), instance=stage)
    if _saved(
        request,
        form,
        lambda data: services.stage_update(stage=stage, actor=request.user, **data),
    ):
        messages.success(request, "The stage is saved.")
        return redirect(stage)
    return _project_page(request, "projects/stage_form.html", access, form=form, stage=stage)


@login_required
@require_POST
def stage_move(request, slug, pk):
    access = project_access_or_404(request.user, slug)
    _facilitate_or_403(access)
    stage = _stage_or_404(access, pk)
    form = StageMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to move the stage up or down.")
    else:
        try:
            services.stage_move(
                stage=stage, direction=form.cleaned_data["direction"], actor=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"You moved “{stage.name}” {form.cleaned_data['direction']}.")
    return redirect(f"{reverse('projects:stages', kwargs={'slug': slug})}#stage-{stage.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def stage_remove(request, slug, pk):
    access = project_access_or_404(request.user, slug)
    _facilitate_or_403(access)
    stage = Stage.objects.filter(project=access.project, pk=pk).first()
    if stage is None and request.method == "POST":
        # Most likely a second press of "Yes, remove this stage".
        messages.error(
            request, "That stage is not in the project any more. It may have been removed already."
        )
        return redirect("projects:stages", slug=slug)
    if stage is None:
        raise Http404("No such stage")
    form = ConfirmForm(_data(request))
    if _saved(request, form, lambda _: services.stage_remove(stage=stage, actor=request.user)):
        messages.success(request, f"You removed the stage “{stage.name}”.")
        return redirect("projects:stages", slug=slug)
    return _project_page(request, "projects/stage_remove.html", access, form=form, stage=stage)


@login_required
@require_http_methods(["GET", "POST"])
def stage_advance(request, slug):
    """Move to the next stage: a confirmation page, then a POST. The form
    carries the stage the person saw as current; if the project has moved on
    since, they see the page again as it is now, with a message."""
    access = project_access_or_404(request.user, slug)
    _facilitate_or_403(access)
    project = access.project
    progress = _progress(_stages(project))
    form = StageAdvanceForm(
        _data(request), project=project, initial={"from_stage": progress["current_stage"]}
    )
    if request.method == "POST":
        error = None
        if not form.is_valid():
            error = ValidationError(form.non_field_errors())
        else:
            try:
                following = services.stage_advance(
                    project=project, actor=request.user, from_stage=form.cleaned_data["from_stage"]
                )
            except ValidationError as refused:
                error = refused
            else:
                if following is None:
                    messages.success(request, "The last stage has ended. The project has finished.")
                else:
                    messages.success(
                        request, f"The project is now at the stage “{following.name}”."
                    )
                return redirect("projects:stages", slug=slug)
        # Show the project as it is now, ready to move on from there.
        progress = _progress(_stages(project))
        current = progress["current_stage"]
        form = StageAdvanceForm({"from_stage": current.pk if current else ""}, project=project)
        form.is_valid()
        _add_errors(form, error)
    return _project_page(request, "projects/stage_advance.html", access, form=form, **progress)
