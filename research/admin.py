from django.contrib import admin

from .models import GroupMembership, ResearchGroup


class MembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 1


@admin.register(ResearchGroup)
class ResearchGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "subject", "school", "is_private")
    inlines = [MembershipInline]
