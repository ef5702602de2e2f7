from django.urls import path

from . import views

app_name = "live"
urlpatterns = [
    path("hooks/publish", views.hook_publish, name="hook_publish"),
    path("hooks/publish_done", views.hook_publish_done, name="hook_publish_done"),
    path("hooks/mux", views.hook_mux, name="hook_mux"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.watch, name="watch"),
    path("<int:pk>/manage/", views.manage, name="manage"),
    path("<int:pk>/status", views.status, name="status"),
    path("<int:pk>/heartbeat", views.heartbeat, name="heartbeat"),
    path("<int:pk>/comments", views.comments, name="comments"),
]
