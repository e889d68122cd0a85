"""How allauth talks to people on Coproduce: plain words for its errors and
messages (two-step sign-in's too), the member's name saved at sign-up, and
display settings that go with them as they sign in and out."""

from dataclasses import asdict

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.core.exceptions import ValidationError
from django.urls import reverse

from coproduce.text import clean_line
from participants.display import DisplayPreferences, display_preferences_for
from participants.services import display_preferences_save

TRY_AGAIN_LATER = "Wait a few minutes, then try again."

# allauth's error codes, in plain words. Codes not listed keep allauth's words.
ERROR_MESSAGES = {
    "account_inactive": "This account is switched off. Ask the people who run Coproduce for help.",
    "cannot_remove_primary_email": (
        "You cannot remove your main email address. Make another address your main one first."
    ),
    "duplicate_email": "This email address is already on your account",
    "email_password_mismatch": (
        "The email address or password is not right. Check them and try again, "
        "or sign in with a code instead."
    ),
    "email_taken": "There is already an account with this email address",
    "enter_current_password": "Your password now is not right. Check it and try again.",
    "incorrect_code": "The code is not right. Check the email and try again.",
    "incorrect_password": "The password is not right. Check it and try again.",
    "invalid_login": "Enter an email address in the correct format, like name@example.com",
    "invalid_password_reset": "The link to reset your password does not work any more.",
    "max_email_addresses": "You cannot have more than %d email addresses.",
    "rate_limited": f"You have tried too many times. {TRY_AGAIN_LATER}",
    "too_many_login_attempts": f"You have tried to sign in too many times. {TRY_AGAIN_LATER}",
    "unknown_email": "There is no account with this email address",
    "unverified_primary_email": "You need to confirm your main email address first.",
}

# allauth's flash messages (account/messages/*.txt), in plain words.
MESSAGES = {
    "account/messages/logged_in.txt": "You are signed in.",
    "account/messages/logged_out.txt": "You have signed out.",
    "account/messages/login_code_sent.txt": "We have emailed a sign-in code to {recipient}.",
    "account/messages/email_confirmation_sent.txt": (
        "We have sent an email to {email}. Open it and follow the link to confirm the address."
    ),
    "account/messages/email_confirmed.txt": "Thank you. {email} is confirmed.",
    "account/messages/email_confirmation_failed.txt": (
        "We could not confirm {email}, because another account already uses it."
    ),
    "account/messages/email_deleted.txt": "{email} is no longer on your account.",
    "account/messages/cannot_delete_primary_email.txt": (
        "You cannot remove {email}, because it is your main email address. "
        "Make another address your main one first."
    ),
    "account/messages/primary_email_set.txt": "Your main email address is changed.",
    "account/messages/unverified_primary_email.txt": (
        "You need to confirm an email address before it can be your main one."
    ),
    "account/messages/password_changed.txt": "Your password is changed.",
    "account/messages/password_set.txt": (
        "Your password is set. You can sign in with it, or with a code by email."
    ),
    "mfa/messages/totp_activated.txt": (
        "Two-step sign-in is on. When you sign in, we will ask for a code from your "
        "authenticator app."
    ),
    "mfa/messages/totp_deactivated.txt": (
        "Two-step sign-in is off. Your recovery codes do not work any more."
    ),
    "mfa/messages/recovery_codes_generated.txt": (
        "Your recovery codes are ready. Save them somewhere safe now."
    ),
}

# Two-step sign-in's error codes (allauth.mfa), in plain words.
MFA_ERROR_MESSAGES = {
    "add_email_blocked": (
        "You cannot add an email address while two-step sign-in is on. "
        "Turn two-step sign-in off, add the address, then turn it on again."
    ),
    "cannot_delete_authenticator": "You cannot turn off two-step sign-in.",
    "cannot_generate_recovery_codes": (
        "You need to set up an authenticator app before you can get recovery codes."
    ),
    "incorrect_code": (
        "The code is not right. Type the 6 numbers your authenticator app shows now."
    ),
    "unverified_email": (
        "You need to confirm your email address before you can turn on two-step sign-in. "
        "Go to your account, then your email addresses, to get the email that confirms it."
    ),
}

# Django's password rules, in plain words.
PASSWORD_ERRORS = {
    "password_too_short": (
        "Your password must have {min_length} or more letters, numbers or symbols"
    ),
    "password_too_common": "This password is too easy to guess. Choose a different one",
    "password_entirely_numeric": "Your password cannot be only numbers. Add some letters",
    "password_too_similar": (
        "Your password is too like your name or email address. Choose a different one"
    ),
}


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {**DefaultAccountAdapter.error_messages, **ERROR_MESSAGES}

    def save_user(self, request, user, form, commit=True):
        user.display_name = clean_line(form.cleaned_data.get("display_name", ""))
        return super().save_user(request, user, form, commit=commit)

    def render_mail(self, template_prefix, email, context, headers=None):
        """Account emails follow docs/email-rules.md like every other email: the
        member's format, the shared layout, a link to change or stop
        emails (participants.emails.account_email)."""
        from participants.emails import account_email

        return account_email(super().render_mail, template_prefix, email, context, headers)

    def login(self, request, user):
        """Display settings chosen before signing in move to an account that
        has none of its own yet, so the page keeps its size and contrast."""
        chosen = display_preferences_for(request)
        super().login(request, user)
        kept = display_preferences_for(request)
        if chosen != DisplayPreferences() and kept == DisplayPreferences():
            display_preferences_save(request=request, **asdict(chosen))

    def logout(self, request):
        """The member's display settings stay with the browser after signing
        out, so the "You have signed out" page is still readable to them."""
        chosen = display_preferences_for(request)
        super().logout(request)
        if chosen != DisplayPreferences():
            display_preferences_save(request=request, **asdict(chosen))

    def get_password_change_redirect_url(self, request):
        """After setting or changing a password, back to "Your account"."""
        return reverse("participants:account")

    def clean_password(self, password, user=None):
        try:
            return super().clean_password(password, user=user)
        except ValidationError as error:
            raise ValidationError(
                [_plain_password_error(item) for item in error.error_list]
            ) from error

    def add_message(
        self,
        request,
        level,
        message_template=None,
        message_context=None,
        extra_tags="",
        message=None,
    ):
        plain = MESSAGES.get(message_template or "")
        if message is None and plain is not None:
            context = message_context or {}
            message = plain.format(
                email=context.get("email", ""),
                recipient=context.get("recipient", context.get("email", "")),
            )
        super().add_message(
            request,
            level,
            message_template=message_template,
            message_context=message_context,
            extra_tags=extra_tags,
            message=message,
        )


class MFAAdapter(DefaultMFAAdapter):
    """Two-step sign-in (allauth.mfa) in plain words."""

    error_messages = {**DefaultMFAAdapter.error_messages, **MFA_ERROR_MESSAGES}


def _plain_password_error(error: ValidationError) -> ValidationError:
    words = PASSWORD_ERRORS.get(error.code or "")
    if words is None:
        return error
    return ValidationError(words.format(**(error.params or {})), code=error.code)
