"""Project pages. Views are thin: they check access, read through
projects.selectors, send a valid form to a service (coproduce.views.
save_if_valid) and pick the template.

Access: a signed-out visitor is sent to sign in for every project address,
whether or not the project exists, so the redirect says nothing about it.
Signed in, a person who is neither a current member nor a project manager of
the organisation gets 404 (staff included: they use the admin dashboard).
Members who are not facilitators get 403 on housekeeping pages.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from coproduce.forms import form_errors_from
from coproduce.views import posted, save_if_valid
from projects import selectors, services
from projects.forms import (
    ConfirmForm,
    FacilitatorForm,
    LabelForm,
    LadderAnswerForm,
    MemberFilterForm,
    ProjectCreateForm,
    ProjectForm,
    StageAddForm,
    StageAdvanceForm,
    StageForm,
    StageMoveForm,
    StrengthFilterForm,
)
from projects.models import Membership, Stage
from projects.permissions import ProjectAccess, project_access_or_404


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


@require_http_methods(["GET", "HEAD"])
def home(request):
    context = {}
    if request.user.is_authenticated:
        context = selectors.your_projects(user=request.user)
    return render(request, "projects/home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    organisations = request.user.managed_organisations.all()
    if not organisations.exists():
        raise PermissionDenied("Only project managers of an organisation can start a project.")
    form = ProjectCreateForm(posted(request), organisations=organisations)
    saved = save_if_valid(
        request,
        form,
        lambda data: services.project_create(
            organisation=data["organisation"],
            name=data["name"],
            summary=data["summary"],
            audience=data["audience"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            timezone=data["timezone"],
            actor=request.user,
            joins_as=data["creator_label"],
        ),
    )
    if saved:
        messages.success(request, f"You started the project “{saved.result.name}”.")
        return redirect(saved.result)
    return render(request, "projects/project_form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "HEAD"])
def project_detail(request, slug):
    access = project_access_or_404(request.user, slug)
    return _project_page(
        request,
        "projects/project_detail.html",
        access,
        **selectors.project_home(project=access.project),
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, slug):
    access = project_access_or_404(request.user, slug)
    _facilitate_or_403(access)
    project = access.project
    form = ProjectForm(posted(request), instance=project)
    if save_if_valid(
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
    form = MemberFilterForm(request.GET or None)
    filters = form.filters()
    # Finding members by a strength is for the project's facilitators, who
    # plan its work (as for access needs: not managers who are not members).
    strength_form = None
    if access.can_see_access_needs:
        strength_form = StrengthFilterForm(request.GET if "strength" in request.GET else None)
        filters.update(strength_form.filters())
    page = selectors.members_page(project=access.project, query=request.GET, **filters)
    return _project_page(
        request,
        "projects/members.html",
        access,
        **page,
        page=page["members"].page,
        form=form,
        strength_form=strength_form,
        filtered=any(filters.values()),
        label_form=LabelForm(initial={"label": getattr(access.membership, "label", "")}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_label(request, slug):
    """A member chooses how they are counted: participant or professional."""
    access = project_access_or_404(request.user, slug)
    if access.membership is None:
        raise PermissionDenied("Only members have a label.")
    form = LabelForm(posted(request), initial={"label": access.membership.label})
    if save_if_valid(
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
    form = ConfirmForm(posted(request))
    if save_if_valid(
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
    form = ConfirmForm(posted(request))
    if save_if_valid(
        request, form, lambda _: services.membership_leave(membership=access.membership)
    ):
        messages.success(request, f"You have left the project “{access.project.name}”.")
        return redirect("home")
    return _project_page(request, "projects/leave.html", access, form=form)


@login_required
@require_http_methods(["GET", "HEAD"])
def timeline(request, slug):
    access = project_access_or_404(request.user, slug)
    return _project_page(
        request, "projects/timeline.html", access, **selectors.timeline(project=access.project)
    )


@login_required
@require_http_methods(["GET", "POST"])
def stage_add(request, slug):
    access = project_access_or_404(request.user, slug)
    _facilitate_or_403(access)
    form = StageAddForm(posted(request))
    if save_if_valid(
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
    page = selectors.stage_page(
        project=access.project, stage_id=pk, membership=access.membership, query=request.GET
    )
    if page is None:
        raise Http404("No such stage")
    stage, ladder, own_answer = page["stage"], page["ladder"], page["own_answer"]
    form = None
    if access.can_participate and ladder.answers_open:
        initial = {"rung": own_answer.rung, "comment": own_answer.comment} if own_answer else {}
        form = LadderAnswerForm(posted(request), initial=initial)
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
        if save_if_valid(
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
        **page,
        form=form,
    )


@login_required
@require_http_methods(["GET", "POST"])
def stage_edit(request, slug, pk):
    access = project_access_or_404(request.user, slug)
    _facilitate_or_403(access)
    stage = _stage_or_404(access, pk)
    form = StageForm(posted(request), instance=stage)
    if save_if_valid(
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
    form = ConfirmForm(posted(request))
    if save_if_valid(
        request, form, lambda _: services.stage_remove(stage=stage, actor=request.user)
    ):
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
    progress = selectors.stage_progress(stages=selectors.stages_with_ladder(project=project))
    form = StageAdvanceForm(
        posted(request), project=project, initial={"from_stage": progress["current_stage"]}
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
        progress = selectors.stage_progress(stages=selectors.stages_with_ladder(project=project))
        current = progress["current_stage"]
        form = StageAdvanceForm({"from_stage": current.pk if current else ""}, project=project)
        form.is_valid()
        form_errors_from(form, error)
    return _project_page(request, "projects/stage_advance.html", access, form=form, **progress)
