"""What every research view does the same way: find the object, check the reader, turn the service's
exceptions into pages (non-members get 404, so a private group does not reveal that it exists); and
the pages that host a thread — an activity's page, or the thread's own — which the activity and thread
views both render."""
import uuid
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from resources.selectors import resource_visible_q

from ..exceptions import NotAllowedError, NotAMemberError
from ..models import PostAttachment, ResearchGroup
from ..permissions import group_can_manage, group_can_read
from ..selectors.activities import SIGN_IN_OPENS_BEFORE, activity_sign_in_is_open
from ..selectors.groups import group_member_list
from ..services.threads import activity_thread, thread_mark_read

MAX_FILES = 6  # attachments to one post


def login_required_here(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            return view(request, *args, **kwargs)
        except NotAMemberError:
            raise Http404 from None
        except NotAllowedError as error:
            return render(request, "research/refused.html", {"message": str(error)}, status=403)
    return wrapper


def get_readable(queryset, *, user, group_of=lambda obj: obj.group, **lookup):
    """The object, or 404 when it does not exist or the user is not a member of its group."""
    obj = queryset.filter(**lookup).first()
    if obj is None or not group_can_read(user=user, group=group_of(obj)):
        raise Http404
    return obj


def group_or_404(request, group_id):
    """The group, or 404 when it does not exist or the user is not a member."""
    return get_readable(ResearchGroup.objects.all(), user=request.user, group_of=lambda group: group, pk=group_id)


def pick(options, value):
    """The option whose id the form sent, or None (ids from a form are never trusted beyond `options`)."""
    return next((option for option in options if str(option.pk) == str(value or "")), None)


# -- pages that host a thread ------------------------------------------------------------------

def thread_context(request, thread, *, draft="", error=""):
    """What a page with a thread shows: the posts with quotes and files, and the composer. Marks it read."""
    posts = (
        thread.posts.select_related("author", "quote", "quote__author")
        .prefetch_related(Prefetch("attachments", queryset=PostAttachment.objects.order_by("id")))
        .order_by("created_at", "id")
    )
    quote = None
    quote_id = request.GET.get("quote", "")
    if quote_id.isdigit():
        quote = thread.posts.filter(pk=int(quote_id)).select_related("author").first()
    read = thread.reads.filter(user=request.user).values_list("last_read_at", flat=True).first()
    thread_mark_read(thread=thread, user=request.user)
    return {
        "thread": thread,
        "posts": posts,
        "first_unread_after": read,
        "quote": quote,
        "draft": draft,
        "composer_error": error,
        "client_key": uuid.uuid4().hex,
        "max_files": MAX_FILES,
    }


def activity_page(request, activity, *, draft="", error="", status=200):
    """The occurrence's page, which hosts its thread; a post that failed comes back here with its text
    (`draft`) and the reason."""
    signed = activity.sign_ins.filter(user=request.user).exists()
    can_sign = not signed and activity_sign_in_is_open(activity=activity)
    thread = activity_thread(activity=activity)
    context = {
        "group": activity.group,
        "section": "home",
        "activity": activity,
        "is_leader": group_can_manage(user=request.user, group=activity.group),
        "signed": signed,
        "can_sign": can_sign,
        # before it opens, the page says when it will (an hour before the start)
        "sign_in_opens": (activity.starts_at - SIGN_IN_OPENS_BEFORE
                          if not signed and not activity.is_cancelled and timezone.now() < activity.starts_at - SIGN_IN_OPENS_BEFORE
                          else None),
        "sign_ins": activity.sign_ins.select_related("user").order_by("signed_at"),
        "resources": activity.resources.filter(resource_visible_q(request.user)),
        "presenters": activity.presenters.all(),
        "members": group_member_list(group=activity.group),
        "local_start": timezone.localtime(activity.starts_at),
    }
    context.update(thread_context(request, thread, draft=draft, error=error))
    return render(request, "research/activity_detail.html", context, status=status)


def thread_host_page(request, thread, *, draft="", error="", status=200):
    """The page a thread lives on: its activity's page, or the thread's own."""
    if thread.activity_id:
        return activity_page(request, thread.activity, draft=draft, error=error, status=status)
    context = {"group": thread.group, "section": "threads"}
    context.update(thread_context(request, thread, draft=draft, error=error))
    return render(request, "research/thread_detail.html", context, status=status)
