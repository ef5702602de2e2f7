"""Threads: reading (marks read), posting from a phone (text, files, quote, @mentions), a new thread,
files for members only, and the notifications page."""
import uuid

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from protected_media.access import post_attachment_file
from protected_media.sending import send_file

from .. import services
from ..exceptions import ResearchError
from ..models import Notification, Post, PostAttachment, Thread
from .common import get_readable, group_or_404, login_required_here

MAX_FILES = 6


def thread_context(request, thread, *, draft="", error=""):
    """What a page with a thread shows: the posts with quotes and files, and the composer."""
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
    services.thread_mark_read(thread=thread, user=request.user)
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


def _thread(request, thread_id):
    return get_readable(Thread.objects.select_related("group", "activity"), user=request.user, pk=thread_id)


@require_http_methods(["GET", "HEAD"])
@login_required_here
def thread_detail(request, thread_id):
    thread = _thread(request, thread_id)
    if thread.activity_id:
        return redirect(reverse("research:activity", args=[thread.activity_id]) + "#thread")
    context = {"group": thread.group, "section": "threads"}
    context.update(thread_context(request, thread))
    return render(request, "research/thread_detail.html", context)


@require_POST
@login_required_here
def post_new(request, thread_id):
    thread = _thread(request, thread_id)
    files = request.FILES.getlist("files")[:MAX_FILES]
    quote_id = request.POST.get("quote", "")
    quote = Post.objects.filter(pk=int(quote_id), thread=thread).first() if quote_id.isdigit() else None
    try:
        post, unknown = services.post_create(thread=thread, author=request.user, body=request.POST.get("body", ""),
                                             quote=quote, files=files, client_key=request.POST.get("client_key", ""))
    except ResearchError as error:
        # Keep what was typed: the page comes back with the text in the box and the reason above it.
        draft = request.POST.get("body", "")
        if thread.activity_id:
            from .activities import activity_page  # an activity's page hosts its thread
            return activity_page(request, thread.activity, draft=draft, error=str(error), status=400)
        context = {"group": thread.group, "section": "threads"}
        context.update(thread_context(request, thread, draft=draft, error=str(error)))
        return render(request, "research/thread_detail.html", context, status=400)
    if unknown:
        messages.warning(request, _("Nobody in this group is called %(names)s, so no one was notified for that.")
                         % {"names": "、".join("@" + name for name in unknown[:5])})
    if thread.activity_id:
        return redirect(reverse("research:activity", args=[thread.activity_id]) + f"#post-{post.pk}")
    return redirect(reverse("research:thread", args=[thread.pk]) + f"#post-{post.pk}")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required_here
def thread_new(request, group_id):
    group = group_or_404(request, group_id)
    error = ""
    if request.method == "POST":
        try:
            thread = services.thread_create(group=group, author=request.user, title=request.POST.get("title", ""),
                                            body=request.POST.get("body", ""),
                                            files=request.FILES.getlist("files")[:MAX_FILES])
        except ResearchError as exc:
            error = str(exc)
        else:
            return redirect("research:thread", thread.pk)
    return render(request, "research/thread_new.html", {
        "group": group, "section": "threads", "error": error,
        "title": request.POST.get("title", ""), "draft": request.POST.get("body", ""), "max_files": MAX_FILES,
    }, status=400 if error else 200)


@require_http_methods(["GET", "HEAD"])
@login_required_here
def attachment_download(request, attachment_id):
    attachment = get_readable(PostAttachment.objects.select_related("post__thread__group"), user=request.user,
                              group_of=lambda a: a.post.thread.group, pk=attachment_id)
    return send_file(request, post_attachment_file(attachment), as_attachment=True, filename=attachment.original_filename)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required_here
def notifications(request):
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return redirect("research:notifications")
    items = list(Notification.objects.filter(user=request.user).select_related("group")[:100])
    return render(request, "research/notifications.html", {"items": items})
