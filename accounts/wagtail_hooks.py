"""Schools and pairings in the Wagtail admin, as snippets; the audit line of a staff password reset."""
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import School, SchoolPairing
from .password_reset import RESET_ACTION


class SchoolViewSet(SnippetViewSet):
    model = School
    icon = "home"
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["name", "kind", "region"]
    search_fields = ["name", "short_name", "region"]


class SchoolPairingViewSet(SnippetViewSet):
    model = SchoolPairing
    icon = "group"
    menu_order = 301
    add_to_admin_menu = True
    list_display = ["supporting", "supported", "starts_on", "ends_on"]


register_snippet(SchoolViewSet)
register_snippet(SchoolPairingViewSet)


@hooks.register("register_log_actions")
def password_reset_log_action(actions):
    actions.register_action(RESET_ACTION, _("Reset password"),
                            _("Temporary password given by a school admin or researcher"))
