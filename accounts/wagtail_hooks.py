"""Schools and pairings in the Wagtail admin, as snippets."""
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import School, SchoolPairing


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
