from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import School, SchoolPairing, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "full_name", "phone", "role", "school", "is_active")
    list_filter = ("role", "school", "is_active")
    search_fields = ("username", "full_name", "phone", "email")
    fieldsets = DjangoUserAdmin.fieldsets + ((_("Kexiang"), {"fields": ("full_name", "phone", "role", "school")}),)


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region")
    search_fields = ("name", "short_name", "region")


@admin.register(SchoolPairing)
class SchoolPairingAdmin(admin.ModelAdmin):
    list_display = ("supporting", "supported", "starts_on", "ends_on")
