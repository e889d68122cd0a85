"""Display preferences (text size, contrast, reduced motion).

Members keep them on their account; people who are not signed in keep them in
their session, so the sign-in pages can be read at their size too.
"""

from dataclasses import dataclass

from participants.models import User

SESSION_KEY = "display_preferences"
# The class on <html> for each contrast (static/css/coproduce.css).
CONTRAST_CLASSES = {User.Contrast.HIGH: "high-contrast", User.Contrast.DARK: "dark-contrast"}


@dataclass(frozen=True)
class DisplayPreferences:
    text_size: str = User.TextSize.STANDARD
    contrast: str = User.Contrast.STANDARD
    reduced_motion: bool = False

    @property
    def css_classes(self) -> str:
        classes = [f"text-{self.text_size}"]
        if self.contrast in CONTRAST_CLASSES:
            classes.append(CONTRAST_CLASSES[self.contrast])
        if self.reduced_motion:
            classes.append("reduced-motion")
        return " ".join(classes)


def display_preferences_for(request) -> DisplayPreferences:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return DisplayPreferences(user.text_size, user.contrast, user.reduced_motion)
    session = getattr(request, "session", None)
    stored = session.get(SESSION_KEY) if session is not None else None
    if not isinstance(stored, dict):
        return DisplayPreferences()
    text_size = stored.get("text_size")
    if text_size not in User.TextSize.values:
        text_size = User.TextSize.STANDARD
    contrast = stored.get("contrast")
    if contrast not in User.Contrast.values:
        # Sessions from before the dark choice kept a yes or no.
        contrast = User.Contrast.HIGH if stored.get("high_contrast") else User.Contrast.STANDARD
    return DisplayPreferences(text_size, contrast, bool(stored.get("reduced_motion")))
