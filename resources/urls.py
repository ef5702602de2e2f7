from django.urls import path

from .views import library

app_name = "resources"

urlpatterns = [
    path("", library.resource_list, name="list"),
    path("<int:pk>/", library.resource_detail, name="detail"),
]
