"""The site's front page, a Wagtail page: search, browse by 学段/学科, latest resources, my groups."""
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from lessons.selectors import lesson_list_latest
from research.selectors.groups import group_list_for_user
from research.selectors.showcase import showcase_groups, showcase_upcoming
from resources.selectors import browse_tree, resource_list_latest


class HomePage(Page):
    """The site's front page: search, lesson videos, browse by 学段/学科, public teaching research, latest
    resources, my groups."""

    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    max_count = 1
    subpage_types = []
    template = "home/home_page.html"

    class Meta:
        db_table = "resources_homepage"  # made when the page was part of the library (moved by home 0001)
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["browse"] = browse_tree(user=request.user)
        context["latest_resources"] = resource_list_latest(user=request.user, limit=8)
        context["lessons"] = lesson_list_latest(user=request.user, limit=4)
        context["showcase_upcoming"] = showcase_upcoming(limit=3, parts=False)
        context["showcase_groups"] = showcase_groups()[:6]
        context["my_groups"] = group_list_for_user(user=request.user) if request.user.is_authenticated else []
        return context
