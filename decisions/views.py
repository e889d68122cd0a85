"""Decision pages. Thin: they read with stated select_related/prefetch, check
the viewer's access, and call decisions.services for every write."""

import csv
from collections import Counter
from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Count, Exists, OuterRef, Value
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from decisions import permissions, services
from decisions.formatting import when_words
from decisions.forms import (
    CloseEarlyForm,
    CommentEditForm,
    CommentForm,
    CommentHideForm,
    DecisionEditForm,
    DecisionLogFilterForm,
    DecisionProposeForm,
    OutcomeForm,
    RecordVoteForm,
    VoteForm,
    add_service_errors,
)
from decisions.kinds import ANONYMOUS_MIN_VOTES, kind_for
from decisions.models import Comment, Decision, Vote
from decisions.results import (
    CSV_HEADER,
    GROUP_NAMES,
    SPLIT_HIDDEN,
    TOO_FEW_TO_SHOW,
    csv_row,
    result_label,
    result_rows,
    result_summary,
    shows_split,
    voices_summary,
    votes_hidden,
)
from projects.models import Membership, Stage
from projects.permissions import ProjectAccess, project_access_or_404

DETAIL_TEMPLATE = "decisions/detail.html"
# The discussion partial of the detail page, for htmx, with a <title> that
# htmx puts on the page (so the title says "Error: " when the comment has one).
DISCUSSION_TEMPLATE = "decisions/partials/discussion.html"


def _decision_or_404(access: ProjectAccess, public_id) -> Decision:
    decision = get_object_or_404(
        Decision.objects.select_related(
            "stage", "proposer__user", "closed_by", "chosen_option", "outcome__written_by"
        ),
        project=access.project,
        public_id=public_id,
    )
    decision.project = access.project
    return decision


def _outcome_or_none(decision: Decision):
    try:
        return decision.outcome
    except Decision.outcome.RelatedObjectDoesNotExist:
        return None


# --- the decision log ---------------------------------------------------------


def _filtered_log(request, slug):
    """The viewer's access, the bound filter form and the project's decisions
    it lets through, newest first: for the log page and its CSV export."""
    access = project_access_or_404(request.user, slug)
    stages = list(Stage.objects.filter(project=access.project).order_by("position"))
    form = DecisionLogFilterForm(request.GET or None, stages=stages)
    decisions = (
        Decision.objects.filter(project=access.project)
        .select_related("project", "stage", "proposer__user", "chosen_option", "outcome")
        .order_by("-created_at", "-pk")
    )
    return access, form, form.filter(decisions)


@login_required
@require_http_methods(["GET"])
def decision_log(request, slug):
    access, form, decisions = _filtered_log(request, slug)
    decisions = list(decisions)
    for decision in decisions:
        decision.outcome_or_none = _outcome_or_none(decision)
        decision.summary = result_summary(decision)
        decision.outcome_wanted_from_viewer = (
            decision.outcome_or_none is None and permissions.can_write_outcome(access, decision)
        )
    query = request.GET.urlencode() if form.is_bound and form.is_valid() else ""
    return render(
        request,
        "decisions/log.html",
        {
            "project": access.project,
            "access": access,
            "form": form,
            "decisions": decisions,
            "filtered": bool(form.is_bound and form.is_valid() and any(form.cleaned_data.values())),
            "export_query": query,
        },
    )


class _EscapingWriter:
    """csv.writer that stops a spreadsheet from running what a member typed as
    a formula: a cell starting with =, +, -, @, a tab or a carriage return
    gets a single quote in front."""

    DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

    def __init__(self, stream):
        self.writer = csv.writer(stream)

    def writerow(self, row):
        self.writer.writerow([self.escape(cell) for cell in row])

    @classmethod
    def escape(cls, cell):
        if isinstance(cell, str) and cell.startswith(cls.DANGEROUS):
            return "'" + cell
        return cell


@login_required
@require_http_methods(["GET"])
def decision_log_csv(request, slug):
    access, _form, decisions = _filtered_log(request, slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{access.project.slug}-decisions.csv"'
    response.write("\ufeff")  # A byte order mark, so spreadsheets read UTF-8.
    writer = _EscapingWriter(response)
    writer.writerow(CSV_HEADER)
    for decision in decisions:
        writer.writerow(csv_row(decision, _outcome_or_none(decision)))
    return response


# --- proposing and editing ----------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def decision_propose(request, slug):
    access = project_access_or_404(request.user, slug)
    project = access.project
    current_stage = Stage.objects.current().filter(project=project).first()
    context = {"project": project, "access": access, "current_stage": current_stage}
    if not access.can_participate:
        context["refusal"] = "Only members of this project can propose a decision."
        return render(request, "decisions/propose.html", context, status=HTTPStatus.FORBIDDEN)
    form = DecisionProposeForm(request.POST or None, timezone_name=project.timezone)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.decision_propose(
                member=access.membership, **form.service_arguments()
            )
        except ValidationError as error:
            add_service_errors(form, error, form.SERVICE_FIELDS)
        else:
            messages.success(request, "Your decision is proposed. Every member can now vote.")
            return redirect(decision)
    context["form"] = form
    return render(request, "decisions/propose.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def decision_edit(request, slug, public_id):
    access = project_access_or_404(request.user, slug)
    decision = _decision_or_404(access, public_id)
    if not permissions.can_edit(access, decision):
        if not decision.is_open and permissions.can_write_outcome(access, decision):
            messages.error(request, "This decision has closed, so its words cannot change.")
            return redirect(decision)
        raise PermissionDenied("Only the proposer or a facilitator can change an open decision")
    options = list(decision.options.all())
    has_votes = decision.votes.exists()
    form = DecisionEditForm(
        request.POST or None, decision=decision, options=options, has_votes=has_votes
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_edit(
                decision=decision, editor=request.user, **form.service_arguments()
            )
        except ValidationError as error:
            add_service_errors(form, error, form.SERVICE_FIELDS)
        else:
            messages.success(request, "The decision is changed.")
            return redirect(decision)
    return render(
        request,
        "decisions/edit.html",
        {
            "project": access.project,
            "decision": decision,
            "form": form,
            "has_votes": has_votes,
        },
    )


# --- the decision page --------------------------------------------------------


def _discussion_context(request, access, decision, comment_form=None, posted=None):
    now = timezone.now()
    comments = list(decision.comments.select_related("author__user", "hidden_by"))
    for comment in comments:
        comment.can_edit = permissions.can_edit_comment(access, decision, comment, now)
        comment.can_hide = permissions.can_hide_comment(access, comment)
    if comment_form is None and access.can_participate and decision.is_open:
        comment_form = CommentForm()
    return {
        "project": access.project,
        "decision": decision,
        "comments": comments,
        "comment_form": comment_form,
        "posted": posted,
    }


def _detail_context(request, access: ProjectAccess, decision: Decision, **bound) -> dict:
    project = access.project
    membership = access.membership
    options = list(decision.options.all())
    option_text = {option.pk: option.text for option in options}
    votes = list(
        decision.votes.filter(member__left_at__isnull=True)
        .select_related("member__user", "recorded_by")
        .order_by("member__user__display_name", "pk")
    )
    kind = kind_for(decision)
    choice_labels = dict(kind.vote_choices(decision, options))
    for vote in votes:
        vote.choice_label = (
            option_text.get(vote.option_id) if vote.option_id else _short_label(vote.choice)
        )
    members_by_label = dict(
        Membership.objects.current()
        .filter(project=project)
        .values_list("label")
        .annotate(Count("pk"))
        .order_by()
    )
    member_count = sum(members_by_label.values())
    my_vote = next((vote for vote in votes if membership and vote.member_id == membership.pk), None)
    accepts_votes = decision.accepts_votes

    vote_form = bound.get("vote_form")
    if vote_form is None and membership and accepts_votes:
        initial = {}
        if my_vote:
            initial = {
                "choice": kind.form_value(my_vote),
                "reason": my_vote.reason,
                "assisted": my_vote.assisted,
                "supporter": my_vote.supporter,
            }
        vote_form = VoteForm(decision=decision, options=options, initial=initial)
    record_form = bound.get("record_form")
    if record_form is None and access.can_facilitate and accepts_votes:
        record_form = RecordVoteForm(
            decision=decision, options=options, members=_record_members(access, decision)
        )
    close_form = bound.get("close_form")
    if close_form is None and access.can_facilitate and decision.is_open:
        close_form = CloseEarlyForm()
    outcome = _outcome_or_none(decision)
    outcome_form = bound.get("outcome_form")
    if outcome_form is None and permissions.can_write_outcome(access, decision):
        initial = {}
        if outcome:
            initial = {
                "statement": outcome.statement,
                "who": outcome.who,
                "by_when": outcome.by_when,
                "easy_words": outcome.easy_words,
            }
        outcome_form = OutcomeForm(initial=initial)

    error_form = next((form for form in bound.values() if form is not None and form.errors), None)
    revisions = list(decision.revisions.select_related("edited_by"))
    changed_since_my_vote = (
        accepts_votes
        and my_vote is not None
        and any(revision.edited_at > my_vote.updated_at for revision in revisions)
    )
    voted_count = len(votes)
    voted_by_label = Counter(vote.member.label for vote in votes)
    if not decision.is_open and decision.tally:
        # Who could vote and who did, as counted when it closed.
        member_count, voted_count = decision.tally["eligible"], decision.tally["voted"]
        members_by_label = decision.tally["eligible_by_label"]
        voted_by_label = decision.tally["voted_by_label"]
    # An anonymous decision names who voted only once it has closed with
    # enough votes to keep each vote secret: while it is open, watching the
    # names come in and the counts change would show how someone voted.
    votes_hidden_now = decision.is_open or votes_hidden(decision)
    voters_named = not (decision.is_anonymous and votes_hidden_now)
    turnout_by_group = [
        f"{voted_by_label.get(label, 0)} of {members_by_label.get(label, 0)} {group}"
        for label, group in GROUP_NAMES.items()
    ]
    reasons = []
    if decision.is_anonymous and not votes_hidden_now:
        # Reasons without names, in alphabetical order so they cannot be
        # matched to the list of who voted.
        reasons = sorted(
            ((vote.choice_label, vote.reason) for vote in votes if vote.reason),
            key=lambda pair: (pair[0], pair[1].casefold()),
        )
    return {
        "project": project,
        "access": access,
        "decision": decision,
        "options": options,
        "votes": votes,
        "member_count": member_count,
        "voted_count": voted_count,
        "turnout_by_group": " and ".join(turnout_by_group),
        "voters_named": voters_named,
        "too_few_to_close": decision.is_anonymous
        and decision.is_open
        and voted_count < ANONYMOUS_MIN_VOTES,
        "too_few_to_show": TOO_FEW_TO_SHOW,
        "result_label": result_label(decision),
        "not_voted": max(member_count - voted_count, 0),
        "my_vote": my_vote,
        "changed_since_my_vote": changed_since_my_vote,
        "accepts_votes": accepts_votes,
        "voting_ended_not_closed": decision.is_open and not accepts_votes,
        "vote_form": vote_form,
        "record_form": record_form,
        "close_form": close_form,
        "outcome": outcome,
        "outcome_form": outcome_form,
        "can_edit": permissions.can_edit(access, decision),
        "is_proposer": permissions.is_proposer(access, decision),
        "easy_words_first": getattr(request.user, "reminder_format", "") == "easy_words",
        "revisions": revisions,
        "result_rows": result_rows(decision),
        "result_summary": result_summary(decision),
        "split_shown": shows_split(decision),
        "split_hidden": SPLIT_HIDDEN,
        "voices": voices_summary(decision),
        "reasons": reasons,
        "choice_labels": choice_labels,
        "error_form": error_form,
        "page_has_errors": error_form is not None,
        **_discussion_context(request, access, decision, bound.get("comment_form")),
    }


def _short_label(choice: str) -> str:
    return Vote.Choice(choice).label if choice in Vote.Choice.values else choice


def _record_members(access: ProjectAccess, decision: Decision):
    """The members a facilitator can record a vote for: everyone but
    themselves, marked when they have voted online (only they can change
    that vote)."""
    own_votes = Vote.objects.filter(decision=decision, member=OuterRef("pk"), recorded_by=None)
    # On an anonymous decision, who has voted is not named while it is open.
    voted_online = Exists(own_votes)
    if decision.is_anonymous:
        voted_online = Value(False, output_field=BooleanField())
    return (
        Membership.objects.current()
        .filter(project=access.project)
        .exclude(user_id=access.membership.user_id if access.membership else None)
        .select_related("user")
        .annotate(voted_online=voted_online)
        .order_by("user__display_name", "pk")
    )


def _detail_response(request, access, decision, status=HTTPStatus.OK, **bound):
    return render(
        request, DETAIL_TEMPLATE, _detail_context(request, access, decision, **bound), status=status
    )


@login_required
@require_http_methods(["GET"])
def decision_detail(request, slug, public_id):
    access = project_access_or_404(request.user, slug)
    decision = _decision_or_404(access, public_id)
    return _detail_response(request, access, decision)


def _post_only(view):
    """A form endpoint of the decision page: a GET (a bookmark, a refresh)
    goes back to the decision page."""

    def wrapper(request, slug, public_id, **kwargs):
        access = project_access_or_404(request.user, slug)
        decision = _decision_or_404(access, public_id)
        if request.method != "POST":
            return redirect(decision)
        return view(request, access, decision, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return login_required(require_http_methods(["GET", "POST"])(wrapper))


@_post_only
def vote(request, access, decision):
    form = VoteForm(request.POST, decision=decision, options=decision.options.all())
    if not access.can_participate:
        form.add_error(None, "Only members of this project can vote. You are not a member.")
        return _detail_response(
            request, access, decision, status=HTTPStatus.FORBIDDEN, vote_form=form
        )
    if form.is_valid():
        try:
            services.vote_cast(
                member=access.membership, decision=decision, **form.service_arguments()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                "Your vote is saved. You can change it until "
                f"{when_words(decision.closes_at, access.project.timezone)}.",
            )
            return redirect(decision)
    return _detail_response(request, access, decision, vote_form=form)


@_post_only
def record_vote(request, access, decision):
    if not access.can_facilitate:
        raise PermissionDenied("Only a facilitator can record a vote for someone else")
    form = RecordVoteForm(
        request.POST,
        decision=decision,
        options=decision.options.all(),
        members=_record_members(access, decision),
    )
    if form.is_valid():
        arguments = form.service_arguments()
        try:
            services.vote_record_on_behalf(recorder=request.user, decision=decision, **arguments)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"The vote of {arguments['member'].user} is recorded. "
                "They will see that you recorded it, and can change it.",
            )
            return redirect(decision)
    return _detail_response(request, access, decision, record_form=form)


@_post_only
def comment_post(request, access, decision):
    form = CommentForm(request.POST)
    if not access.can_participate:
        form.add_error(None, "Only members of this project can comment. You are not a member.")
    elif form.is_valid():
        try:
            comment = services.comment_post(
                member=access.membership, decision=decision, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return render(
                    request,
                    DISCUSSION_TEMPLATE,
                    _discussion_context(request, access, decision, posted=comment),
                )
            messages.success(request, "Your comment is posted.")
            return redirect(_comment_url(decision, comment))
    status = HTTPStatus.OK if access.can_participate else HTTPStatus.FORBIDDEN
    if request.htmx:
        return render(
            request,
            DISCUSSION_TEMPLATE,
            _discussion_context(request, access, decision, comment_form=form),
            status=status,
        )
    return _detail_response(request, access, decision, status=status, comment_form=form)


def _comment_or_404(decision, comment_id) -> Comment:
    return get_object_or_404(
        Comment.objects.select_related("author__user", "hidden_by"),
        decision=decision,
        pk=comment_id,
    )


def _comment_url(decision: Decision, comment: Comment) -> str:
    return f"{decision.get_absolute_url()}#comment-{comment.pk}"


def _comment_form_page(request, access, decision, comment, *, form, template, save, done):
    """The page of a form about one comment (change it, hide it): on a valid
    POST, ``save`` calls the service and the thread shows ``done``."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(_comment_url(decision, comment))
    return render(
        request,
        template,
        {"project": access.project, "decision": decision, "comment": comment, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request, slug, public_id, comment_id):
    access = project_access_or_404(request.user, slug)
    decision = _decision_or_404(access, public_id)
    comment = _comment_or_404(decision, comment_id)
    if not permissions.can_edit_comment(access, decision, comment, timezone.now()):
        if access.membership is None or comment.author_id != access.membership.pk:
            raise PermissionDenied("Only the person who wrote a comment can change it")
        messages.error(
            request,
            "You can change a comment for 15 minutes after posting it, while the vote is open.",
        )
        return redirect(_comment_url(decision, comment))
    return _comment_form_page(
        request,
        access,
        decision,
        comment,
        form=CommentEditForm(request.POST or None, initial={"body": comment.body}),
        template="decisions/comment_edit.html",
        save=lambda data: services.comment_edit(
            member=access.membership, comment=comment, body=data["body"]
        ),
        done="Your comment is changed.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_hide(request, slug, public_id, comment_id):
    access = project_access_or_404(request.user, slug)
    decision = _decision_or_404(access, public_id)
    comment = _comment_or_404(decision, comment_id)
    if not access.can_facilitate:
        raise PermissionDenied("Only a facilitator can hide a comment")
    if comment.is_hidden:
        messages.error(request, "This comment is already hidden.")
        return redirect(_comment_url(decision, comment))
    return _comment_form_page(
        request,
        access,
        decision,
        comment,
        form=CommentHideForm(request.POST or None),
        template="decisions/comment_hide.html",
        save=lambda data: services.comment_hide(
            user=request.user, comment=comment, reason=data["reason"]
        ),
        done="The comment is hidden. The thread shows your reason.",
    )


@_post_only
def close_early(request, access, decision):
    if not access.can_facilitate:
        raise PermissionDenied("Only a facilitator can close a vote early")
    form = CloseEarlyForm(request.POST)
    if form.is_valid():
        try:
            services.decision_close_early(
                user=request.user, decision=decision, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            if error.code == "already_closed":  # closed meanwhile, or a second click
                messages.info(request, "This vote is already closed.")
                return redirect(decision)
            add_service_errors(form, error)
        else:
            messages.success(request, "The vote is closed and the votes are counted.")
            return redirect(decision)
    return _detail_response(request, access, decision, close_form=form)


@_post_only
def outcome(request, access, decision):
    if not permissions.can_write_outcome(access, decision):
        if decision.is_open:
            messages.error(request, "You can write the outcome when the decision has closed.")
            return redirect(decision)
        raise PermissionDenied("Only the proposer or a facilitator can write the outcome")
    form = OutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.outcome_write(user=request.user, decision=decision, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The outcome is saved. Members can read it now.")
            return redirect(f"{decision.get_absolute_url()}#outcome")
    return _detail_response(request, access, decision, outcome_form=form)
