"""How allauth talks to people on Coproduce: plain words for its errors and
messages (two-step sign-in's too), the member's name saved at sign-up,
display settings that go with them as they sign in and out, the notices
that tell an account's address what changed, and the way back to an
invitation after signing up from one."""

from dataclasses import asdict
from datetime import datetime

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.mfa.adapter import DefaultMFAAdapter
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from coproduce.text import clean_line
from coproduce.words import day_and_date, time_of_day
from participants.invitations import services as invitations
from participants.invitations.views import awaiting_confirmation_redirect
from participants.mail.links import absolute_url, invitation_token
from participants.models import User
from participants.profile.display import DisplayPreferences, display_preferences_for
from participants.reminders.timing import zone
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


# The notices sent to an account's address when something changes on it
# (ACCOUNT_EMAIL_NOTIFICATIONS), each with templates in templates/account/email/
# that follow docs/email-rules.md. allauth's two-step sign-in notices
# (mfa/email/...) have no such templates yet, so they are not sent.
NOTICES = {
    "account/email/password_set",
    "account/email/password_changed",
    "account/email/password_reset",
    "account/email/email_added",  # someone asked to add an address
    "account/email/email_changed",  # the main address changed
    "account/email/email_deleted",
    "account/email/project_joined",  # participants.invitations.services.joined_notice_send
}


def notice_time(moment: datetime, user: User) -> str:
    """When something happened to an account, where its member lives:
    "10:05am on Thursday 26 November 2026 (London time)"."""
    tz = zone(user.timezone)
    local = moment.astimezone(tz)
    place = str(tz).rsplit("/", 1)[-1].replace("_", " ")
    return f"{time_of_day(local)} on {day_and_date(local)} ({place} time)"


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {**DefaultAccountAdapter.error_messages, **ERROR_MESSAGES}

    # Nothing but allauth's own confirmation (or a sign-in code, or a password
    # reset, which also reach the mailbox) proves an address: not an invitation
    # link, which can be forwarded. Sessions that an older Coproduce marked from
    # an invitation link (allauth's "account_verified_email") prove nothing.

    def unstash_verified_email(self, request):
        request.session.pop("account_verified_email", None)

    def is_email_verified(self, request, email):
        return False

    def respond_email_verification_sent(self, request, user):
        """Signed up from an invitation link: back to the invitation page,
        which says where the confirmation email went and waits for it. (With
        confirmation by code, allauth's page asks for the code, then goes on
        to the invitation.)"""
        if not account_settings.EMAIL_VERIFICATION_BY_CODE_ENABLED:
            address = getattr(user, "email", "") or request.POST.get("email", "")
            response = awaiting_confirmation_redirect(request, address.strip().lower())
            if response is not None:
                return response
        return super().respond_email_verification_sent(request, user)

    def get_email_verification_redirect_url(self, email_address):
        """An address confirmed in a browser that is not signed in (on a phone,
        say, not where the account was made): on to the invitation waiting for
        it, to sign in and join, rather than the plain sign-in page."""
        if not self.request.user.is_authenticated:
            invitation = invitations.invitation_waiting_for(email_address.email)
            if invitation is not None:
                return reverse(
                    "participants:invitation_accept",
                    args=[invitation_token(invitation)],
                )
        return super().get_email_verification_redirect_url(email_address)

    def send_confirmation_mail(self, request, emailconfirmation, signup):
        """Someone asks to add an address to an account (allauth emails it a
        link to confirm it): tell the main address now, not once the new one is
        confirmed, because a sign-in code sent to the new address would also
        confirm it, without the confirmation link. Not at sign-up, and not for
        the main address itself."""
        super().send_confirmation_mail(request, emailconfirmation, signup)
        address = emailconfirmation.email_address
        if not signup and not address.primary:
            self.send_notification_mail(
                "account/email/email_added", address.user, {"added_email": address.email}
            )

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        """A notice that something changed on an account, in plain words:
        what, when (in the member's time zone), and, if it was not them, a
        link to reset the password (which signs everyone else out). It goes
        to the main address (``email``: the old address, for a changed main
        address; the new one is told too). Sent with or without a request
        (a join is told after it commits), so no IP address or browser."""
        if not account_settings.EMAIL_NOTIFICATIONS or template_prefix not in NOTICES:
            return
        context = dict(context or {})
        recipients = [email or EmailAddress.objects.get_primary_email(user)]
        if template_prefix == "account/email/email_changed":
            recipients.append(context.get("to_email"))
        context.update(
            user=user,
            when=notice_time(timezone.now(), user),
            reset_url=absolute_url(reverse("account_reset_password")),
        )
        for address in dict.fromkeys(address for address in recipients if address):
            self.render_mail(template_prefix, address, {**context, "email": address}).send()

    def save_user(self, request, user, form, commit=True):
        user.display_name = clean_line(form.cleaned_data.get("display_name", ""))
        return super().save_user(request, user, form, commit=commit)

    def render_mail(self, template_prefix, email, context, headers=None):
        """Account emails follow docs/email-rules.md like every other email: the
        member's format, the shared layout, a link to change or stop
        emails (participants.mail.account.account_email)."""
        from participants.mail.account import account_email

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
