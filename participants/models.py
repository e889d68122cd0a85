from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who uses Coproduce. Signs in by email address; has no username."""

    class TextSize(models.TextChoices):
        STANDARD = "standard", "Standard"
        LARGE = "large", "Large"
        LARGEST = "largest", "Largest"

    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(
        "name",
        max_length=100,
        help_text="How other members see you. It can be a first name or a nickname.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        "staff",
        default=False,
        help_text="Can use the admin dashboard.",
    )
    date_joined = models.DateTimeField(default=timezone.now)

    # Display preferences, applied by the server to every page.
    text_size = models.CharField(max_length=10, choices=TextSize.choices, default=TextSize.STANDARD)
    high_contrast = models.BooleanField(default=False)
    reduced_motion = models.BooleanField(default=False)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = "person"
        verbose_name_plural = "people"
        ordering = ["display_name", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case"),
        ]

    def __str__(self):
        return self.display_name or self.email

    def get_full_name(self):
        return self.display_name

    def get_short_name(self):
        return self.display_name
