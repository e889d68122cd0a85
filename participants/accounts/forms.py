"""Forms for people: signing up, signing in and managing an account (our
versions of allauth's forms, two-step sign-in's too, with plain labels, hints
and error messages and no placeholders), the member's name, and display
preferences."""

from allauth.account import app_settings as allauth_account_settings
from allauth.account.fields import PasswordField
from allauth.account.forms import AddEmailForm as AllauthAddEmailForm
from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import ConfirmLoginCodeForm as AllauthConfirmLoginCodeForm
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import PasswordVerificationMixin
from allauth.account.forms import ReauthenticateForm as AllauthReauthenticateForm
from allauth.account.forms import RequestLoginCodeForm as AllauthRequestLoginCodeForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import ResetPasswordKeyForm as AllauthResetPasswordKeyForm
from allauth.account.forms import SetPasswordForm as AllauthSetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.mfa.base.forms import AuthenticateForm as AllauthMFAAuthenticateForm
from allauth.mfa.base.forms import ReauthenticateForm as AllauthMFAReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm as AllauthActivateTOTPForm
from django import forms
from django.core.exceptions import ValidationError

from coproduce.forms import LineField

EMAIL_ERRORS = {
    "required": "Enter your email address",
    "invalid": "Enter an email address in the correct format, like name@example.com",
    "max_length": "Your email address must be 320 characters or fewer",
}
NAME_ERRORS = {
    "required": "Enter your name",
    "max_length": "Your name must be 100 characters or fewer",
}
NAME_HINT = "How other members will see you. It can be a first name or a nickname."
# Words on the page, not a password:
NEW_PASSWORD_HINT = (
    "Use 8 or more letters, numbers or symbols. Do not use one that is easy to guess."  # noqa: S105
)
PASSWORDS_DIFFERENT = "The passwords are different. Type the same password in both boxes."


def plain_email_field(field: forms.Field, *, label: str = "Email address", hint: str = "") -> None:
    """Our words for one of allauth's email fields: a label, no placeholder."""
    field.label = label
    field.help_text = hint
    field.error_messages.update(EMAIL_ERRORS)
    field.widget.attrs.pop("placeholder", None)
    field.widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})


def plain_password_field(
    field: forms.Field, *, label: str, required: str, hint: str = "", autocomplete: str = ""
) -> None:
    field.label = label
    field.help_text = hint
    field.error_messages["required"] = required
    field.widget.attrs.pop("placeholder", None)
    if autocomplete:
        field.widget.attrs["autocomplete"] = autocomplete


class NewPasswordMixin:
    """Plain words for the "new password" and "type it again" boxes of the
    set, change and reset password forms."""

    first_box_label = "New password"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_password_field(
            self.fields["password1"],
            label=self.first_box_label,
            required="Enter a new password",
            hint=NEW_PASSWORD_HINT,
            autocomplete="new-password",
        )
        plain_password_field(
            self.fields["password2"],
            label="Type the new password again",
            required="Type the new password again",
            autocomplete="new-password",
        )

    def clean(self):
        # Skip allauth's check so we can say it in our own words.
        cleaned_data = super(PasswordVerificationMixin, self).clean()
        password1 = cleaned_data.get("password1")
        password2 = cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", PASSWORDS_DIFFERENT)
        return cleaned_data


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form with the member's name first."""

    display_name = LineField(
        label="Your name",
        max_length=100,
        help_text=NAME_HINT,
        error_messages=NAME_ERRORS,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["display_name", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_email_field(
            self.fields["email"],
            hint="We will send you an email to check it is yours.",
        )


class LoginForm(AllauthLoginForm):
    """Sign in with an email address and a password.

    Members sign up without a password (ACCOUNT_SIGNUP_FIELDS has none), so
    allauth would drop the password box and make this form ask for a code.
    The code has its own form (``code_form``, shown first on the same page);
    this one is for members who have set a password.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_email_field(self.fields["login"])
        self.fields["password"] = PasswordField(label="Password", autocomplete="current-password")
        plain_password_field(
            self.fields["password"],
            label="Password",
            required="Enter your password",
            autocomplete="current-password",
        )
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in on this device"
            self.fields["remember"].help_text = "Do not choose this on a shared computer."
        self.order_fields(["login", "password", "remember"])

    @property
    def code_form(self):
        """The "email me a code" form shown above this one (its own ids)."""
        return RequestLoginCodeForm(auto_id="id_code_%s")


class RequestLoginCodeForm(AllauthRequestLoginCodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The sign-in page also has the password form's "Email address": a
        # label of its own tells the two boxes apart for screen readers and
        # voice control.
        plain_email_field(self.fields["email"], label="Email address to send the code to")


class ConfirmLoginCodeForm(AllauthConfirmLoginCodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.label = "Code"
        code.help_text = "It is 8 letters, like BCDF-GHJK. Capital letters do not matter."
        code.error_messages["required"] = "Enter the code from the email"
        code.widget.attrs.pop("placeholder", None)
        code.widget.attrs.update(
            {"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "characters"}
        )

    @property
    def minutes_valid(self) -> int:
        """How long a code works, for the page to say."""
        return max(1, round(allauth_account_settings.LOGIN_BY_CODE_TIMEOUT / 60))


class ResetPasswordForm(AllauthResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_email_field(self.fields["email"])


class ResetPasswordKeyForm(NewPasswordMixin, AllauthResetPasswordKeyForm):
    pass


class SetPasswordForm(NewPasswordMixin, AllauthSetPasswordForm):
    first_box_label = "Password"


class ChangePasswordForm(NewPasswordMixin, AllauthChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_password_field(
            self.fields["oldpassword"],
            label="Your password now",
            required="Enter your password now",
            autocomplete="current-password",
        )
        self.order_fields(["oldpassword", "password1", "password2"])


class AddEmailForm(AllauthAddEmailForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_email_field(
            self.fields["email"],
            label="Email address to add",
            hint="We will send an email to this address to check it is yours.",
        )


class ReauthenticateForm(AllauthReauthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_password_field(
            self.fields["password"],
            label="Password",
            required="Enter your password",
            autocomplete="current-password",
        )


# Two-step sign-in (allauth.mfa) -------------------------------------------------

WRONG_SIGN_IN_CODE = (
    "The code is not right. Type the 6 numbers your authenticator app shows now, "
    "or one of your recovery codes."
)


def plain_code_field(field: forms.Field, *, label: str, hint: str, required: str) -> None:
    """Our words for one of allauth's code boxes: a label and a hint, no
    placeholder, and a number keyboard on phones."""
    field.label = label
    field.help_text = hint
    field.error_messages["required"] = required
    field.widget.attrs.pop("placeholder", None)
    field.widget.attrs.update(
        {"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
    )


class SignInCodeMixin:
    """The code box when signing in or carrying on: a code from the app, or a
    recovery code."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_code_field(
            self.fields["code"],
            label="Code",
            hint=(
                "The 6 numbers your authenticator app shows for Coproduce now, "
                "or one of your 8-number recovery codes."
            ),
            required="Enter the code from your authenticator app, or a recovery code",
        )

    def clean_code(self):
        try:
            return super().clean_code()
        except ValidationError as error:
            if error.code == "incorrect_code":
                raise ValidationError(WRONG_SIGN_IN_CODE, code="incorrect_code") from error
            raise


class MFAAuthenticateForm(SignInCodeMixin, AllauthMFAAuthenticateForm):
    pass


class MFAReauthenticateForm(SignInCodeMixin, AllauthMFAReauthenticateForm):
    pass


class ActivateTOTPForm(AllauthActivateTOTPForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plain_code_field(
            self.fields["code"],
            label="Code from the app",
            hint="6 numbers. The app shows a new code every 30 seconds.",
            required="Enter the 6 numbers your authenticator app shows",
        )

    @property
    def secret_groups(self) -> list[str]:
        """The setup key in groups of 4 letters and numbers, easier to read
        and to type into the app than one long string."""
        return [self.secret[i : i + 4] for i in range(0, len(self.secret), 4)]


class DisplayNameForm(forms.Form):
    display_name = LineField(
        label="Your name",
        max_length=100,
        help_text=NAME_HINT,
        error_messages=NAME_ERRORS,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


class DeleteAccountForm(forms.Form):
    """Deleting an account: a box to tick, so nobody does it by accident."""

    understood = forms.BooleanField(
        label="I understand that deleting my account cannot be undone",
        error_messages={
            "required": "Tick the box to say you understand that this cannot be undone"
        },
    )
