"""The unread-notification count in every page's header (a callable: the query runs only when the header
is drawn for someone signed in)."""
from .selectors.threads import notification_unread_count


def notifications(request):
    return {"unread_notifications": lambda: notification_unread_count(user=request.user)}
