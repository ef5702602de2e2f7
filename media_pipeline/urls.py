from django.urls import path

from . import views

app_name = "media_pipeline"

urlpatterns = [
    path("api/v1/media/<uuid:uid>/progress", views.asset_progress, name="progress"),
    path("api/v1/media/by-upload/<str:upload_id>", views.asset_for_upload, name="by_upload"),
    path("my/media/<uuid:uid>/", views.asset_status, name="status"),
    path("my/media/upload/", views.upload_page, name="upload"),
]
