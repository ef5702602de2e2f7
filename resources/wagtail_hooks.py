"""The library in the Wagtail admin: resources as a snippet with revisions and the review workflow."""
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Resource


class ResourceViewSet(SnippetViewSet):
    model = Resource
    icon = "doc-full-inverse"
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["title", "resource_type", "visibility", "school", "uploaded_by", "created_at"]
    list_filter = ["resource_type", "visibility", "live"]
    search_fields = ["title", "lesson_title", "external_id"]
    list_per_page = 50


register_snippet(ResourceViewSet)
