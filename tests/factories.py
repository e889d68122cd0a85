"""Factories for every model. Add new ones at the end of the file."""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import generate_totp_secret
from allauth.mfa.utils import encrypt
from django.utils import timezone

from decisions.models import Comment, Decision, Option, Vote
from participants.models import User
from projects.models import Membership, Organisation, Project, Stage


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("first_name")
    password = factory.django.Password("a long enough password")

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        """An allauth EmailAddress, verified, so the person can sign in."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    """A project with no stages; use StageFactory, or the project services,
    to give it some."""

    class Meta:
        model = Project

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    summary = "Making the day service work better for the people who use it."


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    label = Membership.Label.PARTICIPANT
    is_facilitator = False


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    project = factory.SubFactory(ProjectFactory)
    position = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"Stage {n}")

    class Params:
        current = factory.Trait(started_at=factory.LazyFunction(timezone.now))


class DecisionFactory(factory.django.DjangoModelFactory):
    """An open consent proposal, closing in three days, in a current stage."""

    class Meta:
        model = Decision

    project = factory.SubFactory(ProjectFactory)
    stage = factory.SubFactory(
        StageFactory, project=factory.SelfAttribute("..project"), current=True
    )
    proposer = factory.SubFactory(MembershipFactory, project=factory.SelfAttribute("..project"))
    title = factory.Sequence(lambda n: f"Decision {n}")
    description = "Open the day centre until 6pm on weekdays."
    kind = Decision.Kind.CONSENT
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))


class OptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Option

    decision = factory.SubFactory(DecisionFactory, kind=Decision.Kind.CHOICE)
    position = factory.Sequence(lambda n: n)
    text = factory.Sequence(lambda n: f"Option {n}")


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vote

    decision = factory.SubFactory(DecisionFactory)
    member = factory.SubFactory(
        MembershipFactory, project=factory.SelfAttribute("..decision.project")
    )
    choice = Vote.Choice.AGREE


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    decision = factory.SubFactory(DecisionFactory)
    author = factory.SubFactory(
        MembershipFactory, project=factory.SelfAttribute("..decision.project")
    )
    body = "I think this is a good idea."


class AuthenticatorAppFactory(factory.django.DjangoModelFactory):
    """Two-step sign-in set up with an authenticator app (allauth.mfa's TOTP)
    whose setup key is ``secret``. Recovery codes come with it, as when a
    person sets it up; ``recovery_codes=False`` leaves them out."""

    class Meta:
        model = Authenticator
        skip_postgeneration_save = True

    class Params:
        secret = factory.LazyFunction(generate_totp_secret)

    user = factory.SubFactory(UserFactory)
    type = Authenticator.Type.TOTP
    data = factory.LazyAttribute(lambda o: {"secret": encrypt(o.secret)})

    @factory.post_generation
    def recovery_codes(self, create, extracted, **kwargs):
        if create and extracted is not False:
            RecoveryCodes.activate(self.user)


def bulk_members(project, count, *, label=Membership.Label.PARTICIPANT, prefix="Member", **fields):
    """``count`` members of ``project`` made in two queries (bulk_create),
    for tests that need hundreds of them (a page's queries at two sizes).
    Their users have no password and no EmailAddress row: they cannot sign
    in. ``label`` may be a list, one label per member, cycled."""
    labels = label if isinstance(label, list | tuple) else [label]
    start = User.objects.count()
    users = User.objects.bulk_create(
        User(
            email=f"{prefix.lower().replace(' ', '.')}.{project.pk}.{start + index}@example.org",
            display_name=f"{prefix} {index}",
            password="!",
        )
        for index in range(count)
    )
    return Membership.objects.bulk_create(
        Membership(project=project, user=user, label=labels[index % len(labels)], **fields)
        for index, user in enumerate(users)
    )
