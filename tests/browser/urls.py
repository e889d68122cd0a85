"""The site's addresses plus a few that answer with each error page, so the
browser tests can check the pages people see when something goes wrong, and
a small site for testing the crawler."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import engines
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from coproduce.urls import handler500  # noqa: F401  (the site's 500 page here too)
from coproduce.urls import urlpatterns as site_urlpatterns


def bad_request(request):
    raise SuspiciousOperation("a test of the 400 page")


def forbidden(request):
    raise PermissionDenied


def too_many_requests(request):
    return render(request, "429.html", status=429)


def server_error(request):
    raise RuntimeError("a test of the 500 page")


# A small site for testing the crawler itself.
CRAWL_START = """<!DOCTYPE html><html lang="en"><head><title>Start - Coproduce</title></head>
<body><main><h1>Start</h1><ul>
<li><a href="/__test__/crawl/filter/?page=1">1</a></li>
<li><a href="/__test__/crawl/filter/?page=2">2</a></li>
<li><a href="/__test__/crawl/filter/?page=3">3</a></li>
<li><a href="/__test__/crawl/filter/">all</a></li>
<li><a href="/__test__/crawl/filter/?page=1#top">1 again</a></li>
<li><a href="/__test__/crawl/export.csv">CSV</a></li>
<li><a href="/__test__/crawl/data.json">JSON</a></li>
<li><a href="/__test__/crawl/moved/">moved</a></li>
<li><a href="/__test__/crawl/missing/">broken link</a></li>
<li><a href="/__test__/500/">server error</a></li>
<li><a href="/admin/">admin</a></li>
<li><a href="/static/css/coproduce.css">CSS</a></li>
<li><a href="https://example.org/">elsewhere</a></li>
<li><a href="mailto:someone@example.org">email</a></li>
</ul></main></body></html>"""
CRAWL_PAGE = """<!DOCTYPE html><html lang="en"><head><title>Filter - Coproduce</title></head>
<body><main><h1>Filter</h1><a href="/__test__/crawl/">Back to the start</a></main></body></html>"""


FORMS_PAGE = """<!DOCTYPE html><html lang="en"><head><title>Forms - Coproduce</title></head>
<body><main><h1>Forms</h1>
<form method="post" action="/__test__/forms/sent/?form=question" novalidate>
  <label for="name">Name</label><input id="name" name="name" value="Aisha">
  <button>Send</button></form>
<form method="post" action="/__test__/forms/sent/?form=marked" data-crawl="skip" novalidate>
  <label for="reason">Why</label><textarea id="reason" name="reason"></textarea>
  <button>Remove member</button></form>
<div data-crawl="skip"><form method="post" action="/__test__/forms/sent/?form=inside" novalidate>
  <label for="note">Note</label><input id="note" name="note"><button>Close</button></form></div>
<form method="post" action="/__test__/forms/sent/?form=action" novalidate>
  <input type="hidden" name="id" value="1"><button>Join</button></form>
<form method="post" action="/accounts/logout/" novalidate>
  <label for="next">Next</label><input id="next" name="next"><button>Sign out</button></form>
</main></body></html>"""
# What the forms page received: (form, fields), in order.
FORMS_RECEIVED: list[tuple[str, dict]] = []


def forms_page(request):
    return HttpResponse(FORMS_PAGE)


@csrf_exempt
def forms_sent(request):
    FORMS_RECEIVED.append((request.GET.get("form", ""), request.POST.dict()))
    return HttpResponse(
        '<!DOCTYPE html><html lang="en"><head><title>Sent - Coproduce</title></head>'
        "<body><main><h1>Sent</h1></main></body></html>"
    )


WIDE_TABLE_PAGE = """{% extends "base.html" %}
{% block head_title %}Wide table{% endblock head_title %}
{% block content %}<h1>Wide table</h1>
<p class="table-caption" aria-hidden="true">Votes of participants and professionals</p>
<div class="table-wrap"><table>
<caption class="visually-hidden">Votes of participants and professionals</caption>
<thead><tr><th scope="col">Answer</th><th scope="col">Participants</th>
<th scope="col">Professionals</th><th scope="col">Everyone</th><th scope="col">Abstentions</th>
<th scope="col">Percentage</th></tr></thead>
<tbody><tr><th scope="row">Agree</th>
<td>3</td><td>2</td><td>5</td><td>0</td><td>83</td></tr></tbody>
</table></div>{% endblock content %}"""


def wide_table(request):
    """A page of the site's own shell with a table too wide for 320 px."""
    return HttpResponse(engines["django"].from_string(WIDE_TABLE_PAGE).render({}, request))


def crawl_start(request):
    return HttpResponse(CRAWL_START)


def crawl_filter(request):
    return HttpResponse(CRAWL_PAGE)


def crawl_export(request):
    response = HttpResponse("name\nAisha\n", content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="export.csv"'
    return response


def crawl_data(request):
    return JsonResponse({"ok": True})


def crawl_moved(request):
    return redirect("/__test__/crawl/filter/?page=9")


urlpatterns = [
    path("__test__/wide-table/", wide_table),
    path("__test__/forms/", forms_page),
    path("__test__/forms/sent/", forms_sent),
    path("__test__/crawl/", crawl_start),
    path("__test__/crawl/filter/", crawl_filter),
    path("__test__/crawl/export.csv", crawl_export),
    path("__test__/crawl/data.json", crawl_data),
    path("__test__/crawl/moved/", crawl_moved),
    path("__test__/400/", bad_request),
    path("__test__/403/", forbidden),
    path("__test__/429/", too_many_requests),
    path("__test__/500/", server_error),
    *site_urlpatterns,
]
