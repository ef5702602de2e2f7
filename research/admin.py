from django.contrib import admin

from .sanitize import clean_html
from django.utils.translation import gettext_lazy as _

from .models import (
    Activity,
    ActivitySeries,
    GroupMembership,
    ObservationScale,
    Post,
    ResearchGroup,
    ScalePoint,
    SignIn,
    Thread,
)


class MembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 1


@admin.register(ResearchGroup)
class ResearchGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "subject", "school", "is_private")
    inlines = [MembershipInline]


# -- observation scales (lesson review and observation records; LICC by default) ------------------

class ScalePointInline(admin.TabularInline):
    model = ScalePoint
    extra = 1
    fields = ("position", "dimension", "label", "max_score")
    ordering = ("position", "id")


@admin.register(ObservationScale)
class ObservationScaleAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default", "point_count")
    list_filter = ("is_default",)
    search_fields = ("name",)
    inlines = [ScalePointInline]

    @admin.display(description=_("observation points"))
    def point_count(self, obj):
        return obj.points.count()


# -- activities and threads (operators fix a schedule or remove a post here) --------------------

class SignInInline(admin.TabularInline):
    model = SignIn
    extra = 0
    readonly_fields = ("signed_at",)
    raw_id_fields = ("user",)


@admin.register(ActivitySeries)
class ActivitySeriesAdmin(admin.ModelAdmin):
    list_display = ("title", "group", "frequency", "starts_on", "until", "start_time")
    list_filter = ("frequency", "kind")
    search_fields = ("title", "group__name")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("title", "group", "kind", "starts_at", "status", "is_published")
    list_filter = ("status", "kind", "is_published")
    search_fields = ("title", "group__name")
    date_hierarchy = "starts_at"
    raw_id_fields = ("series", "presenters", "resources", "created_by")
    inlines = [SignInInline]

    def save_model(self, request, obj, form, change):
        obj.minutes = clean_html(obj.minutes)  # shown with |safe on the pages, so never raw
        super().save_model(request, obj, form, change)


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ("title", "group", "created_at", "last_post_at")
    search_fields = ("title", "group__name")
    raw_id_fields = ("activity", "created_by")


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("thread", "author", "created_at")
    search_fields = ("body_text",)
    raw_id_fields = ("thread", "author", "quote")
    readonly_fields = ("body_html",)
