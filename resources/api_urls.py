"""JSON for the upload form: the chapter picker and the textbook selects. Mounted at /api/v1/ in config/urls.py."""
from django.urls import path

from .views import browse

app_name = "resources_api"

urlpatterns = [
    path("chapters", browse.chapters_api, name="chapters"),
    path("textbooks", browse.textbooks_api, name="textbooks"),
]
