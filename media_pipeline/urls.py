from django.urls import path

from . import views

app_name = "media_pipeline"

urlpatterns = [
    path("api/v1/media/<uuid:uid>/progress", views.asset_progress, name="progress"),
    path("my/media/<uuid:uid>/", views.asset_status, name="status"),
]
