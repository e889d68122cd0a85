"""Display preferences (text size, high contrast, reduced motion).

Members keep them on their account; people who are not signed in keep them in
their session, so the sign-in pages can be read at their size too.
"""

from dataclasses import dataclass

from participants.models import User

SESSION_KEY = "display_preferences"


@dataclass(frozen=True)
class DisplayPreferences:
    text_size: str = User.TextSize.STANDARD
    high_contrast: bool = False
    reduced_motion: bool = False

    @property
    def css_classes(self) -> str:
        classes = [f"text-{self.text_size}"]
        if self.high_contrast:
            classes.append("high-contrast")
        if self.reduced_motion:
            classes.append("reduced-motion")
        return " ".join(classes)


def display_preferences_for(request) -> DisplayPreferences:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return DisplayPreferences(user.text_size, user.high_contrast, user.reduced_motion)
    session = getattr(request, "session", None)
    stored = session.get(SESSION_KEY) if session is not None else None
    if not isinstance(stored, dict):
        return DisplayPreferences()
    text_size = stored.get("text_size")
    if text_size not in User.TextSize.values:
        text_size = User.TextSize.STANDARD
    return DisplayPreferences(
        text_size, bool(stored.get("high_contrast")), bool(stored.get("reduced_motion"))
    )
