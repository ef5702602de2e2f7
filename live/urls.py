from django.urls import path

from . import views

app_name = "live"
urlpatterns = [
    path("hooks/publish", views.hook_publish, name="hook_publish"),
    path("hooks/publish_done", views.hook_publish_done, name="hook_publish_done"),
    path("<int:pk>/", views.watch, name="watch"),
    path("<int:pk>/status", views.status, name="status"),
]
