from django.conf import settings
from django.db import models


class Claims(models.Model):
    """What the education cloud knows of a person beyond a login: their mobile number and staff number."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claims")
    name = models.CharField(max_length=100, blank=True)
    phone_number = models.CharField(max_length=20, blank=True)
    employee_number = models.CharField(max_length=40, blank=True)
