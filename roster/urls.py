from django.urls import path

from . import views

app_name = "roster"

urlpatterns = [
    path("import/", views.import_page, name="import"),
    path("export.<str:fmt>", views.export, name="export"),  # csv or xlsx
]
