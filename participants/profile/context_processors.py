from participants.profile.display import display_preferences_for


def display_preferences(request):
    """Give every page the body classes for the viewer's display preferences."""
    return {"display": display_preferences_for(request)}
