from django.urls import path

from .views import browse, figures, library, upload

app_name = "resources"

urlpatterns = [
    path("", library.resource_list, name="list"),
    path("<int:pk>/", library.resource_detail, name="detail"),
    path("mine/", library.my_uploads, name="mine"),
    path("prep/", library.prep_folder, name="prep"),
    path("upload/", upload.upload_page, name="upload"),
    # Browse (学段 → 学科 → 版本 → 册 → 章节)
    path("browse/", browse.browse_home, name="browse"),
    # Semester figures
    path("figures/", figures.figures_page, name="figures"),
]
