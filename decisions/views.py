"""Decision pages. Thin: they check the viewer's access, read through
decisions.selectors, call decisions.services for every write (through
coproduce.views.save_if_valid) and pick the template."""

from http import HTTPStatus
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from coproduce.spreadsheets import SafeWriter
from coproduce.views import posted, save_if_valid
from coproduce.words import date_and_time_in
from decisions import permissions, selectors, services
from decisions.forms import (
    CloseEarlyForm,
    CommentEditForm,
    CommentForm,
    CommentHideForm,
    DecisionEditForm,
    DecisionKindForm,
    DecisionLogFilterForm,
    DecisionProposeForm,
    MemberSearchForm,
    OutcomeForm,
    RecordVoteForm,
    VoteForm,
)
from decisions.kinds import kind_for
from decisions.models import Comment, Decision
from decisions.results import CSV_HEADER, csv_row
from projects.permissions import ProjectAccess, project_access, project_access_or_404

DETAIL_TEMPLATE = "decisions/detail.html"
PROPOSE_TEMPLATE = "decisions/propose.html"
# The questions of one kind of decision, for htmx (the second step of
# proposing, swapped in under the kinds when a kind is chosen).
PROPOSE_QUESTIONS_TEMPLATE = "decisions/partials/propose_questions.html"
# The discussion partial of the detail page, for htmx, with a <title> that
# htmx puts on the page (so the title says "Error: " when the comment has one).
DISCUSSION_TEMPLATE = "decisions/partials/discussion.html"


def _decision_or_404(access: ProjectAccess, public_id) -> Decision:
    # Only what every decision page shows is joined: each join more made
    # PostgreSQL's planning of this one-row read slower (7.4 ms with five,
    # 2.2 ms with three). Who closed it early, the chosen option and who
    # wrote the outcome are read when a closed decision shows them.
    decision = get_object_or_404(
        Decision.objects.select_related("stage", "proposer__user", "outcome"),
        project=access.project,
        public_id=public_id,
    )
    decision.project = access.project
    return decision


# --- the decision log ---------------------------------------------------------


def _log_filter(request, slug) -> tuple[ProjectAccess, DecisionLogFilterForm]:
    """The viewer's access and the bound filter form: for the log page and
    its CSV export."""
    access = project_access_or_404(request.user, slug)
    stages = selectors.log_stages(project=access.project)
    return access, DecisionLogFilterForm(request.GET or None, stages=stages)


@login_required
@require_http_methods(["GET"])
def decision_log(request, slug):
    access, form = _log_filter(request, slug)
    filters = form.filters()
    log = selectors.decision_log(access=access, filters=filters, query=request.GET)
    return render(
        request,
        "decisions/log.html",
        {
            "project": access.project,
            "access": access,
            "form": form,
            "log": log,
            "page": log.page,
            "filtered": any(filters.values()),
            # The filters without the page number: the export has every row.
            "export_query": log.query if filters else "",
        },
    )


class _Echo:
    """A file that hands back what is written to it, for streaming."""

    def write(self, value):
        return value


# Decisions read from the database at a time while the CSV export streams.
CSV_CHUNK = 500


@login_required
@require_http_methods(["GET"])
def decision_log_csv(request, slug):
    """The log as a spreadsheet, streamed a row at a time: the decisions are
    read CSV_CHUNK at a time, so memory stays flat however many there are."""
    access, form = _log_filter(request, slug)
    project = access.project
    decisions = selectors.log_decisions(project=project, **form.filters())
    writer = SafeWriter(_Echo())

    def lines():
        yield "\ufeff"  # A byte order mark, so spreadsheets read UTF-8.
        yield writer.writerow(CSV_HEADER)
        for decision in decisions.iterator(chunk_size=CSV_CHUNK):
            decision.project = project
            yield writer.writerow(csv_row(decision, selectors.outcome_or_none(decision)))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{project.slug}-decisions.csv"'
    return response


# --- proposing and editing ----------------------------------------------------


def _propose_kind_step(request, context, kind_form, typed):
    """The first step of proposing: the kind. ``typed`` (name, value) pairs
    are the answers to the second step's questions typed before the person
    came back to change the kind: they go on in hidden boxes."""
    context.update(step="kind", form=kind_form, typed=typed)
    return render(request, PROPOSE_TEMPLATE, context)


@login_required
@require_http_methods(["GET", "POST"])
def decision_propose(request, slug):
    """Proposing a decision, in two steps that work without JavaScript:

    1. the kind (``?step=kind``, or no kind yet): DecisionKindForm, sent as
       ``step=questions``;
    2. only the questions of that kind (``?kind=...``, or that POST): the
       kind goes on in a hidden box, and the POST without ``step`` proposes
       the decision. Its "Change the kind" button (``step=kind``) goes back
       to step 1 keeping what was typed, and step 1 gives it back.

    With htmx, choosing a kind on step 1 swaps that kind's questions in
    under the kinds (the same POST, answered with the questions alone). A
    kind that does not exist goes back to step 1 with a plain error."""
    access = project_access_or_404(request.user, slug)
    project = access.project
    context = {
        "project": project,
        "access": access,
        "current_stage": selectors.current_stage(project=project),
    }
    if not access.can_participate:
        context["refusal"] = "Only members of this project can propose a decision."
        return render(request, PROPOSE_TEMPLATE, context, status=HTTPStatus.FORBIDDEN)
    sent = request.method == "POST"
    data = request.POST if sent else request.GET
    step = data.get("step", "")
    typed = DecisionProposeForm(timezone_name=project.timezone).typed_answers(data) if sent else []
    if step == "kind" or (not sent and "kind" not in data):
        kind_form = DecisionKindForm(initial={"kind": data.get("kind")})
        return _propose_kind_step(request, context, kind_form, typed)
    kind_form = DecisionKindForm(data)
    if not kind_form.is_valid():
        if request.htmx:
            return HttpResponse(status=HTTPStatus.NO_CONTENT)  # nothing to swap in
        return _propose_kind_step(request, context, kind_form, typed)
    kind = kind_form.cleaned_data["kind"]
    proposing = sent and step != "questions"
    form = DecisionProposeForm(
        data if proposing else None, timezone_name=project.timezone, kind=kind
    )
    if sent and not proposing:
        if not typed and not request.htmx:
            # Nothing typed yet: the questions have an address of their own,
            # so Back and Reload do not ask to send the form again.
            return redirect(f"{request.path}?{urlencode({'kind': kind})}")
        form.keep_typed(data)
    elif proposing:
        saved = save_if_valid(
            request,
            form,
            lambda _: services.decision_propose(
                member=access.membership, **form.service_arguments()
            ),
            field_map=form.SERVICE_FIELDS,
        )
        if saved:
            messages.success(request, "Your decision is proposed. Every member can now vote.")
            return redirect(saved.result)
    context.update(step="questions", form=form, kind=kind, kind_label=Decision.Kind(kind).label)
    if request.htmx and not proposing:
        return render(request, PROPOSE_QUESTIONS_TEMPLATE, context)
    return render(request, PROPOSE_TEMPLATE, context)


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
    page = selectors.decision_edit_page(decision=decision)
    form = DecisionEditForm(posted(request), decision=decision, **page)
    if save_if_valid(
        request,
        form,
        lambda _: services.decision_edit(
            decision=decision, actor=request.user, **form.service_arguments()
        ),
        field_map=form.SERVICE_FIELDS,
    ):
        messages.success(request, "The decision is changed.")
        return redirect(decision)
    return render(
        request,
        "decisions/edit.html",
        {
            "project": access.project,
            "decision": decision,
            "form": form,
            "has_votes": page["has_votes"],
        },
    )


# --- the decision page --------------------------------------------------------


def _comment_form(access, decision, comment_form=None):
    if comment_form is None and access.can_participate and decision.is_open:
        return CommentForm()
    return comment_form


def _discussion_context(request, access, decision, comment_form=None, posted=None):
    """The discussion partial, for htmx: the page of comments that shows the
    comment just ``posted``, or else the page the person was reading."""
    if posted is not None:
        query = QueryDict(mutable=True)
        query[selectors.COMMENTS_PAGE] = selectors.comment_page(comment=posted)
    else:
        query = QueryDict(urlsplit(request.htmx.current_url or "").query)
    return {
        **selectors.discussion(access=access, decision=decision, now=timezone.now(), query=query),
        "comment_form": _comment_form(access, decision, comment_form),
        "posted": posted,
    }


# The facilitator's "Record a vote for a member": with this many members or
# fewer they are all shown to choose from; with more, a search by name
# (a GET form, so it works without JavaScript) shows at most RECORD_MATCHES.
RECORD_ALL_UP_TO = 10
RECORD_MATCHES = 20


def _record_section(request, access, decision, options, record_form=None) -> dict:
    """The record-a-vote section: the search form (when there are many
    members), what it found, and the record form with the members to
    choose from. ``record_form`` is the form sent with errors: its hidden
    ``find`` repeats the search it was sent from, and the member it names
    stays chosen."""
    data = request.POST if record_form is not None else request.GET
    search = MemberSearchForm({"find": data["find"]}) if data.get("find") else None
    if record_form is None and "find" in request.GET:
        search = MemberSearchForm(request.GET)  # a blank search gets its error
    find = search.cleaned_data["find"] if search is not None and search.is_valid() else ""
    choices = []
    if find:
        choices = selectors.record_choices(
            access=access, decision=decision, find=find, limit=RECORD_MATCHES
        )
    elif search is None:
        choices = selectors.record_choices(access=access, decision=decision, limit=RECORD_ALL_UP_TO)
        if len(choices) > RECORD_ALL_UP_TO:
            choices, search = [], MemberSearchForm()
    more = len(choices) > RECORD_MATCHES
    choices = choices[:RECORD_MATCHES]
    if record_form is None:
        if choices:
            record_form = RecordVoteForm(
                decision=decision,
                options=options,
                members=selectors.record_members(access=access, decision=decision),
                choices=choices,
            )
    else:
        chosen = getattr(record_form, "cleaned_data", {}).get("member")
        if chosen is not None and chosen not in choices:
            choices.insert(0, chosen)
        record_form.show_members(choices)
    return {
        "record_form": record_form,
        "member_search": search,
        "record_find": find,
        "record_found": len(choices),
        "record_more": more,
        "record_matches": RECORD_MATCHES,
    }


def _page_forms(access: ProjectAccess, decision: Decision, page: dict, bound: dict) -> dict:
    """The forms of the decision page the viewer may use: those in ``bound``
    (sent, with their errors), and new ones for the rest, filled in with the
    viewer's own vote and the outcome so far."""
    forms = {name: form for name, form in bound.items() if form is not None}
    forms["comment_form"] = _comment_form(access, decision, forms.get("comment_form"))
    accepts_votes = page["accepts_votes"]
    if "vote_form" not in forms and access.membership and accepts_votes:
        my_vote = page["my_vote"]
        initial = {}
        if my_vote:
            initial = {
                "choice": kind_for(decision).form_value(my_vote),
                "reason": my_vote.reason,
                "assisted": my_vote.assisted,
                "supporter": my_vote.supporter,
            }
        forms["vote_form"] = VoteForm(decision=decision, options=page["options"], initial=initial)
    if "close_form" not in forms and access.can_facilitate and decision.is_open:
        forms["close_form"] = CloseEarlyForm()
    if "outcome_form" not in forms and permissions.can_write_outcome(access, decision):
        outcome = page["outcome"]
        initial = {}
        if outcome:
            initial = {
                "statement": outcome.statement,
                "who": outcome.who,
                "by_when": outcome.by_when,
                "easy_words": outcome.easy_words,
            }
        forms["outcome_form"] = OutcomeForm(initial=initial)
    return forms


def _detail_context(request, access: ProjectAccess, decision: Decision, **bound) -> dict:
    page = selectors.decision_page(access=access, decision=decision, query=request.GET)
    forms = _page_forms(access, decision, page, bound)
    record = {}
    if access.can_facilitate and (page["accepts_votes"] or "record_form" in forms):
        record = _record_section(
            request, access, decision, page["options"], forms.pop("record_form", None)
        )
        if record["member_search"] is not None and record["member_search"].errors:
            bound = {**bound, "member_search": record["member_search"]}
    error_form = next((form for form in bound.values() if form is not None and form.errors), None)
    return {
        **page,
        "vote_form": None,
        "record_form": None,
        "member_search": None,
        "close_form": None,
        "outcome_form": None,
        **forms,
        **record,
        "posted": None,
        "easy_words_first": getattr(request.user, "reminder_format", "") == "easy_words",
        "error_form": error_form,
        "page_has_errors": error_form is not None,
    }


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


@login_required
@require_http_methods(["GET", "POST"])
def vote(request, slug, public_id):
    """A member's own vote: saved, then back to the decision page with a
    message saying until when they can change it; or the page again, with
    the form's errors.

    This is the busiest write of the site (a meeting votes on the same
    decision at once), so a current member's vote reads only what it needs,
    by key: their membership with its project, then the decision (a choice
    between options reads its options too); the service then locks the decision and writes the
    vote (services.vote_cast). Nothing is rendered unless the vote comes
    back with errors. A GET, and a POST from anyone who is not a current
    member, are answered as the page's other forms are (_post_only)."""
    member = selectors.voter(user=request.user, slug=slug) if request.method == "POST" else None
    if member is None:
        return _vote_not_as_member(request, slug, public_id)
    decision = selectors.vote_decision(project=member.project, public_id=public_id)
    return _vote_send(request, member, decision)


@_post_only
def _vote_not_as_member(request, access, decision):
    if access.can_participate:  # (they became a member a moment ago)
        return _vote_send(request, access.membership, decision, access=access)
    form = VoteForm(request.POST, decision=decision)
    form.add_error(None, "Only members of this project can vote. You are not a member.")
    return _detail_response(request, access, decision, status=HTTPStatus.FORBIDDEN, vote_form=form)


def _vote_send(request, member, decision, *, access: ProjectAccess | None = None):
    form = VoteForm(request.POST, decision=decision)  # (its options read if it has any)
    if save_if_valid(
        request,
        form,
        lambda _: services.vote_cast(member=member, decision=decision, **form.service_arguments()),
    ):
        messages.success(
            request,
            "Your vote is saved. You can change it until "
            f"{date_and_time_in(decision.closes_at, decision.project.timezone)}.",
        )
        return redirect(decision)
    if access is None:  # the page with the errors, with all that it shows
        access = project_access(request.user, decision.project)
        decision = _decision_or_404(access, decision.public_id)
    return _detail_response(request, access, decision, vote_form=form)


@_post_only
def record_vote(request, access, decision):
    if not access.can_facilitate:
        raise PermissionDenied("Only a facilitator can record a vote for someone else")
    form = RecordVoteForm(
        request.POST,
        decision=decision,
        options=decision.options.all(),
        members=selectors.record_members(access=access, decision=decision),
    )  # the members to choose from are added if it comes back with errors
    if save_if_valid(
        request,
        form,
        lambda _: services.vote_record_on_behalf(
            actor=request.user, decision=decision, **form.service_arguments()
        ),
    ):
        messages.success(
            request,
            f"The vote of {form.cleaned_data['member'].user} is recorded. "
            "They will see that you recorded it, and can change it.",
        )
        return redirect(decision)
    return _detail_response(request, access, decision, record_form=form)


@_post_only
def comment_post(request, access, decision):
    form = CommentForm(request.POST)
    if not access.can_participate:
        form.add_error(None, "Only members of this project can comment. You are not a member.")
    elif saved := save_if_valid(
        request,
        form,
        lambda data: services.comment_post(
            member=access.membership, decision=decision, body=data["body"]
        ),
    ):
        if request.htmx:
            return render(
                request,
                DISCUSSION_TEMPLATE,
                _discussion_context(request, access, decision, posted=saved.result),
            )
        messages.success(request, "Your comment is posted.")
        return redirect(_comment_url(decision, saved.result))
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
    """The decision page at the page of comments that shows ``comment``."""
    number = selectors.comment_page(comment=comment)
    query = f"?{selectors.COMMENTS_PAGE}={number}" if number > 1 else ""
    return f"{decision.get_absolute_url()}{query}#comment-{comment.pk}"


def _comment_form_page(request, access, decision, comment, *, form, template, save, done):
    """The page of a form about one comment (change it, hide it): on a valid
    POST, ``save`` calls the service and the thread shows ``done``."""
    if save_if_valid(request, form, save):
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
        form=CommentEditForm(posted(request), initial={"body": comment.body}),
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
        form=CommentHideForm(posted(request)),
        template="decisions/comment_hide.html",
        save=lambda data: services.comment_hide(
            actor=request.user, comment=comment, reason=data["reason"]
        ),
        done="The comment is hidden. The thread shows your reason.",
    )


@_post_only
def close_early(request, access, decision):
    if not access.can_facilitate:
        raise PermissionDenied("Only a facilitator can close a vote early")
    form = CloseEarlyForm(request.POST)
    if save_if_valid(
        request,
        form,
        lambda data: services.decision_close_early(
            actor=request.user, decision=decision, reason=data["reason"]
        ),
    ):
        messages.success(request, "The vote is closed and the votes are counted.")
        return redirect(decision)
    if form.has_error(NON_FIELD_ERRORS, "already_closed"):  # closed meanwhile, or a second click
        messages.info(request, "This vote is already closed.")
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
    if save_if_valid(
        request,
        form,
        lambda data: services.outcome_write(actor=request.user, decision=decision, **data),
    ):
        messages.success(request, "The outcome is saved. Members can read it now.")
        return redirect(f"{decision.get_absolute_url()}#outcome")
    return _detail_response(request, access, decision, outcome_form=form)
