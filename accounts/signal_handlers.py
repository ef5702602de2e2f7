"""Connected in AccountsConfig.ready()."""
from django.db.models.signals import post_save

from .models import User
from .services import user_groups_sync


def user_saved(sender, instance, raw=False, **kwargs):
    # Whatever saved the user (the admin, a command, user_create), their role decides their groups.
    if not raw:
        user_groups_sync(user=instance)


def connect():
    post_save.connect(user_saved, sender=User, dispatch_uid="accounts.user_saved")
