"""Schools, school pairings (结对学校) and the people who use Kexiang."""
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .phone import normalize_phone


class School(models.Model):
    class Kind(models.TextChoices):
        SUPPORTING = "supporting", _("Supporting school")
        SUPPORTED = "supported", _("Supported school")
        BOTH = "both", _("Supporting and supported")

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SUPPORTED)
    region = models.CharField(_("region"), max_length=200, blank=True, help_text=_("Province, city and county"))
    code = models.CharField(_("school code"), max_length=40, blank=True)
    storage_quota_gb = models.PositiveIntegerField(
        _("storage quota (GB)"), null=True, blank=True,
        help_text=_("Files the school's teachers may keep; empty: the site's default; 0: no quota"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self):
        return self.short_name or self.name


class SchoolPairing(models.Model):
    """A supporting school paired with a supported school (结对帮扶) for a period."""

    supporting = models.ForeignKey(
        School, verbose_name=_("supporting school"), on_delete=models.PROTECT, related_name="pairings_supporting"
    )
    supported = models.ForeignKey(
        School, verbose_name=_("supported school"), on_delete=models.PROTECT, related_name="pairings_supported"
    )
    programme = models.CharField(_("programme"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("school pairing")
        verbose_name_plural = _("school pairings")
        constraints = [
            models.CheckConstraint(condition=~Q(supporting=models.F("supported")), name="pairing_two_schools"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="pairing_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.supporting} ↔ {self.supported}"

    def clean(self):
        if self.supporting_id and self.supporting_id == self.supported_id:
            raise ValidationError(_("A school cannot be paired with itself."))
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The pairing must end after it starts.")})

    def is_active_on(self, day):
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class KexiangUserManager(UserManager):
    def candidates_for_login(self, login):
        """Users whose username or phone number is `login`: the username first."""
        login = (login or "").strip()
        phone = normalize_phone(login)
        found = list(self.filter(username=login))
        if phone:
            found += [user for user in self.filter(phone=phone) if user not in found]
        return found


class User(AbstractUser):
    class Role(models.TextChoices):
        TEACHER = "teacher", _("Teacher")
        GROUP_LEADER = "group_leader", _("Research-group leader")
        SCHOOL_ADMIN = "school_admin", _("School admin")
        DISTRICT_RESEARCHER = "district_researcher", _("District researcher")
        VIEWER = "viewer", _("Viewer")

    # Chinese names are not split into first and last name: one field, as people write it.
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(
        _("mobile phone"),
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Mainland mobile number; can be used to sign in."),
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.TEACHER)
    school = models.ForeignKey(
        School, verbose_name=_("school"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    # What the district's list says the person teaches (学段, 学科), as written there: kept for the roster's
    # export and to suggest groups and books; names, not links (this app knows no catalogue).
    teaching_stage = models.CharField(_("stage taught"), max_length=20, blank=True)
    teaching_subjects = models.CharField(_("subjects taught"), max_length=100, blank=True)
    must_change_password = models.BooleanField(
        _("must choose a new password"), default=False,
        help_text=_("Set when a school admin or researcher gave a temporary password; cleared when the person "
                    "chooses their own."),
    )

    objects = KexiangUserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        return self.full_name or super().get_full_name() or self.username

    def get_short_name(self):
        return self.full_name or self.username

    def clean(self):
        super().clean()
        if normalize_phone(self.username) and normalize_phone(self.username) != normalize_phone(self.phone or ""):
            raise ValidationError({"username": _("A username cannot be a mobile number. Put the number in the phone field.")})
        if self.phone:
            phone = normalize_phone(self.phone)
            if not phone:
                raise ValidationError({"phone": _("Enter an 11-digit mainland mobile number, such as 13800138000.")})
            self.phone = phone
        else:
            self.phone = None
