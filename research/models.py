"""Teaching-research (教研) groups and their members. Activities and threads build on these."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ResearchGroup(models.Model):
    """教研组: a subject group in one school, or across a school pairing."""

    name = models.CharField(_("name"), max_length=200)
    subject = models.ForeignKey(
        "resources.Subject", verbose_name=_("subject"), null=True, blank=True, on_delete=models.SET_NULL
    )
    school = models.ForeignKey(
        "accounts.School", verbose_name=_("school"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="research_groups",
    )
    pairing = models.ForeignKey(
        "accounts.SchoolPairing", verbose_name=_("pairing"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="research_groups",
    )
    is_private = models.BooleanField(
        _("private"), default=True, help_text=_("Private groups are seen by their members only")
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="GroupMembership", related_name="research_groups", verbose_name=_("members")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("research group")
        verbose_name_plural = _("research groups")

    def __str__(self):
        return self.name


class GroupMembership(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("Leader")
        MEMBER = "member", _("Member")
        GUEST_EXPERT = "guest_expert", _("Guest expert")

    group = models.ForeignKey(ResearchGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="one_membership_per_group")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} @ {self.group}"
