"""Django admin (/django-admin/) for what the Wagtail snippet does not edit: the items of a pack."""
from django.contrib import admin

from .models import PackItem


@admin.register(PackItem)
class PackItemAdmin(admin.ModelAdmin):
    list_display = ["pack", "role", "item", "position"]
    list_filter = ["role"]
    raw_id_fields = ["pack", "item"]
    search_fields = ["pack__title", "item__title"]
