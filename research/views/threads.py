"""Threads: reading (marks read), posting from a phone (text, files, quote, @mentions), a new thread,
files for members only, and the notifications page."""
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from research.files import post_attachment_file
from core.sending import send_file

from ..exceptions import ResearchError
from ..models import Post, PostAttachment, Thread
from ..selectors.threads import notification_list
from ..services.threads import notifications_mark_read, post_create, thread_create
from .common import MAX_FILES, get_readable, group_or_404, login_required_here, thread_host_page


def _thread(request, thread_id):
    return get_readable(Thread.objects.select_related("group", "activity"), user=request.user, pk=thread_id)


@require_http_methods(["GET", "HEAD"])
@login_required_here
def thread_detail(request, thread_id):
    thread = _thread(request, thread_id)
    if thread.activity_id:
        return redirect(reverse("research:activity", args=[thread.activity_id]) + "#thread")
    return thread_host_page(request, thread)


@require_POST
@login_required_here
def post_new(request, thread_id):
    thread = _thread(request, thread_id)
    files = request.FILES.getlist("files")[:MAX_FILES]
    quote_id = request.POST.get("quote", "")
    quote = Post.objects.filter(pk=int(quote_id), thread=thread).first() if quote_id.isdigit() else None
    try:
        post, unknown = post_create(thread=thread, author=request.user, body=request.POST.get("body", ""),
                                    quote=quote, files=files, client_key=request.POST.get("client_key", ""))
    except ResearchError as error:
        # Keep what was typed: the page comes back with the text in the box and the reason above it.
        return thread_host_page(request, thread, draft=request.POST.get("body", ""), error=str(error), status=400)
    # the page lands on the new post; a warning about it shows there too, not only at the top of the page
    anchor = f"#post-{post.pk}"
    if unknown:
        messages.warning(request, _("Nobody in this group is called %(names)s, so no one was notified for that.")
                         % {"names": "、".join("@" + name for name in unknown[:5])}, extra_tags="at-composer")
        anchor = "#composer"
    if thread.activity_id:
        return redirect(reverse("research:activity", args=[thread.activity_id]) + anchor)
    return redirect(reverse("research:thread", args=[thread.pk]) + anchor)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required_here
def thread_new(request, group_id):
    group = group_or_404(request, group_id)
    error = ""
    if request.method == "POST":
        try:
            thread = thread_create(group=group, author=request.user, title=request.POST.get("title", ""),
                                   body=request.POST.get("body", ""), files=request.FILES.getlist("files")[:MAX_FILES])
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
        notifications_mark_read(user=request.user)
        return redirect("research:notifications")
    return render(request, "research/notifications.html", {"items": notification_list(user=request.user)})
