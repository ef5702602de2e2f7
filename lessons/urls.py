from django.urls import path

from . import views

app_name = "lessons"

urlpatterns = [
    path("<int:pk>/", views.lesson_page, name="lesson"),
    path("<int:pk>/offline.json", views.lesson_offline_manifest, name="offline_manifest"),
    path("sw.js", views.lesson_service_worker, name="service_worker"),
    path("saved/", views.lessons_saved, name="saved"),
]
