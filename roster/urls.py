from django.urls import path

from . import views

app_name = "roster"

urlpatterns = [
    path("import/", views.import_page, name="import"),
    path("import/<uuid:uid>/", views.job_page, name="job"),
    path("import/<uuid:uid>/apply/", views.job_apply, name="job_apply"),
    path("import/<uuid:uid>/status.json", views.job_status, name="job_status"),
    path("export.<str:fmt>", views.export, name="export"),  # csv or xlsx
]
