from django.db import transaction

from participants.display import SESSION_KEY
from participants.models import User


@transaction.atomic
def display_preferences_save(*, request, text_size: str, high_contrast: bool, reduced_motion: bool):
    """Keep display preferences on the member's account, or in the session of
    someone who is not signed in."""
    user = request.user
    if user.is_authenticated:
        user.text_size = text_size
        user.high_contrast = high_contrast
        user.reduced_motion = reduced_motion
        user.full_clean(exclude=["password"])
        user.save(update_fields=["text_size", "high_contrast", "reduced_motion"])
    else:
        request.session[SESSION_KEY] = {
            "text_size": text_size,
            "high_contrast": high_contrast,
            "reduced_motion": reduced_motion,
        }


@transaction.atomic
def display_name_change(*, user: User, display_name: str) -> User:
    """Change the name other members see."""
    user.display_name = display_name.strip()
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name"])
    return user
