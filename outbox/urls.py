from django.urls import path

from . import views

app_name = "outbox"

urlpatterns = [path("email/", views.preferences, name="preferences")]
