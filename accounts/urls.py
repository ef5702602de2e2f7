from django.urls import path

from . import views
from .forms import SignInForm

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        views.SignInView.as_view(authentication_form=SignInForm),
        name="login",
    ),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("password/forgot/", views.password_forgot, name="password_forgot"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("people/", views.people, name="people"),
    path("people/<int:user_id>/reset-password/", views.password_reset, name="password_reset"),
]
