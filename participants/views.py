from dataclasses import asdict

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from participants.display import display_preferences_for
from participants.forms import DisplayPreferencesForm
from participants.services import display_preferences_save


@require_http_methods(["GET", "POST"])
def display_preferences(request):
    if request.method == "POST":
        form = DisplayPreferencesForm(request.POST)
        if form.is_valid():
            display_preferences_save(request=request, **form.cleaned_data)
            messages.success(request, "Your display settings are saved.")
            return redirect("participants:display")
    else:
        form = DisplayPreferencesForm(initial=asdict(display_preferences_for(request)))
    return render(request, "participants/display_preferences.html", {"form": form})
