"""Resumable uploads (tus 1.0.0), mounted at /uploads/ in config/urls.py."""
from django.urls import path

from . import upload_views

app_name = "uploads"

urlpatterns = [
    path("tus/", upload_views.tus_create, name="tus_create"),
    path("tus/<uuid:upload_id>", upload_views.tus_upload, name="tus_upload"),
]
