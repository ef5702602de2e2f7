from django.urls import path

from .views import browse, figures, library, upload

app_name = "resources"

urlpatterns = [
    path("", library.resource_list, name="list"),
    path("<int:pk>/", library.resource_detail, name="detail"),
    path("<int:pk>/status.json", library.resource_status, name="status"),
    path("<int:pk>/download", library.resource_download, name="download"),
    path("<int:pk>/prep", library.prep_toggle, name="prep_toggle"),
    path("mine/", library.my_uploads, name="mine"),
    path("prep/", library.prep_folder, name="prep"),
    path("upload/", upload.upload_page, name="upload"),
    path("<int:pk>/edit/", upload.edit_page, name="edit"),
    path("<int:pk>/delete/", upload.delete_page, name="delete"),
    path("share/<uuid:uid>/", upload.share_recording, name="share_recording"),
    # Browse (学段 → 学科 → 版本 → 册 → 章节)
    path("browse/", browse.browse_home, name="browse"),
    path("browse/<slug:stage_code>/<int:subject_id>/", browse.browse_subject, name="browse_subject"),
    path("textbook/<int:pk>/", browse.textbook_detail, name="textbook"),
    path("chapter/<int:pk>/", browse.chapter_detail, name="chapter"),
    # Semester figures
    path("figures/", figures.figures_page, name="figures"),
    path("figures/export.<str:fmt>", figures.figures_export, name="figures_export"),  # csv or xlsx
]
