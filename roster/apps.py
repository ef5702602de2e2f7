from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RosterConfig(AppConfig):
    """A district's people in bulk: schools, pairings, accounts, roles and research-group memberships from the
    spreadsheet its office keeps (import_people / export_people, and an upload page for school admins)."""

    name = "roster"
    verbose_name = _("Roster")
    default_auto_field = "django.db.models.BigAutoField"
