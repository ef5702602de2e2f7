"""nginx-rtmp's callbacks, the status JSON and the watch page of a live lesson."""
import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from research.exceptions import NotAMemberError, PostRejectedError
from research.models import ResearchGroup
from research.permissions import group_can_manage, group_can_read, require_leader
from research.services.threads import activity_thread, post_create
from research.views.common import login_required_here
from resources.exceptions import ResourceUploadError
from resources.models import Resource
from resources.services import resource_create_from_video

from . import services
from .forms import LiveLessonForm
from .models import LiveLesson
from .selectors import live_can_watch, live_comments, live_status, live_urls

logger = logging.getLogger(__name__)


def _from_nginx(request):
    """nginx's rtmp module calls these hooks itself. With KEXIANG_LIVE_HOOK_SECRET set (nginx on another
    machine) the hook URL carries it; without, only a direct call on this machine is taken: loopback, and no
    X-Forwarded-For (which the site's own nginx server adds to every request it passes on)."""
    secret = settings.KEXIANG_LIVE_HOOK_SECRET
    if secret:
        return hmac.compare_digest(request.GET.get("secret", ""), secret)
    return request.META.get("REMOTE_ADDR") in ("127.0.0.1", "::1") and "HTTP_X_FORWARDED_FOR" not in request.META


@csrf_exempt
@require_POST
def hook_publish(request):
    if not _from_nginx(request):
        return HttpResponseForbidden("not nginx")
    name, client = request.POST.get("name", ""), request.POST.get("clientid", "")
    live, refused = services.publish_authorize(stream_name=name, client_id=client)
    if refused:
        logger.warning("live: refused publishing on %s (lesson %s): %s", request.POST.get("addr", "?"),
                       live.pk if live else "-", refused)
        return HttpResponseForbidden(refused)
    logger.info("live: lesson %s is live from %s", live.pk, request.POST.get("addr", "?"))
    # Yes, under another name: nginx renames the stream (a 3xx's Location), so what it records and the muxing
    # session it starts are named lesson-<id>, and the key appears in no file name or process list.
    response = HttpResponse(status=302)
    response["Location"] = f"lesson-{live.pk}"
    return response


@csrf_exempt
@require_POST
def hook_publish_done(request):
    if not _from_nginx(request):
        return HttpResponseForbidden("not nginx")
    live = services.publish_done(stream_name=request.POST.get("name", ""), client_id=request.POST.get("clientid", ""))
    if live is not None:
        logger.info("live: lesson %s ended", live.pk)
    return HttpResponse("ok")


@csrf_exempt
@require_POST
def hook_mux(request):
    """The muxing session (live/muxer.py, run by nginx) says what it found in the stream or what went wrong."""
    if not _from_nginx(request):
        return HttpResponseForbidden("not nginx")
    try:
        detail = json.loads(request.POST.get("detail") or "{}")
    except ValueError:
        detail = {}
    live = services.mux_report(stream_name=request.POST.get("name", ""), event=request.POST.get("event", ""),
                               detail=detail if isinstance(detail, dict) else {})
    if live is not None:
        log = logger.warning if request.POST.get("event") == "failed" else logger.info
        log("live: lesson %s muxer %s %s", live.pk, request.POST.get("event"), detail)
    return HttpResponse("ok")


def _watchable(request, pk):
    live = get_object_or_404(LiveLesson.objects.select_related("group", "group__pairing", "replay"), pk=pk)
    if not live_can_watch(user=request.user, live=live):
        raise Http404  # a private group's lesson does not reveal that it exists
    return live


def _viewer_key(request):
    if request.user.is_authenticated:
        return f"u{request.user.pk}"
    if not request.session.session_key:
        request.session.save()
    return "s" + hashlib.sha256(request.session.session_key.encode()).hexdigest()[:40]


@require_GET
def status(request, pk):
    live = _watchable(request, pk)
    return JsonResponse(live_status(live, viewers=services.viewers_now(live)), json_dumps_params={"ensure_ascii": False})


@require_POST
def heartbeat(request, pk):
    """The watch page, every HEARTBEAT_SECONDS: "I am here (and playing)". Answers the status."""
    live = _watchable(request, pk)
    services.viewer_heartbeat(live=live, user=request.user, viewer_key=_viewer_key(request),
                              playing=request.POST.get("playing") == "1")
    return JsonResponse(live_status(live, viewers=services.viewers_now(live)), json_dumps_params={"ensure_ascii": False})


@require_http_methods(["GET", "POST"])
def comments(request, pk):
    """The activity thread as live comments: GET ?after=<id> for the new ones, POST body=… to say something
    (the thread's own service: sanitising, @mentions, a phone that sends twice saves once)."""
    live = _watchable(request, pk)
    if request.method == "POST":
        if live.activity_id is None or not group_can_read(user=request.user, group=live.group):
            raise Http404  # (before the thread is made: a viewer who may not post leaves nothing behind)
        thread = activity_thread(activity=live.activity)
        try:
            post, unknown = post_create(thread=thread, author=request.user, body=request.POST.get("body", ""),
                                        client_key=request.POST.get("client_key", "")[:64])
        except NotAMemberError:
            raise Http404 from None
        except PostRejectedError as error:
            return JsonResponse({"error": str(error)}, status=400, json_dumps_params={"ensure_ascii": False})
        return JsonResponse({"id": post.pk, "unknown": unknown}, status=201)
    after = request.GET.get("after", "0")
    found = live_comments(live=live, user=request.user, after=int(after) if after.isdigit() else 0)
    if found is None:
        raise Http404
    return JsonResponse({"comments": found}, json_dumps_params={"ensure_ascii": False})


@require_GET
def watch(request, pk):
    live = _watchable(request, pk)
    config = {
        "status": reverse("live:status", args=[live.pk]), "heartbeat": reverse("live:heartbeat", args=[live.pk]),
        "comments": reverse("live:comments", args=[live.pk]) if live.activity_id else None,
        "can_read_comments": live.activity_id is not None and group_can_read(user=request.user, group=live.group),
        "hls": static("vendor/hls.light.min.js"), "every": services.heartbeat_seconds(),
        "initial": live_status(live, viewers=services.viewers_now(live)),
    }
    return render(request, "live/watch.html", {
        "live": live, "config": config, "available": settings.KEXIANG_LIVE_AVAILABLE,
        "can_manage": group_can_manage(user=request.user, group=live.group),
    })


# -- the leader's pages: schedule a lesson, its key and instructions, who watched ----------------------------

@login_required_here
@require_http_methods(["GET", "POST"])
def new(request):
    """/live/new/?group=<id>[&activity=<id>]: a phone form; the key is shown once on the next page."""
    group_id = request.GET.get("group", "")
    group = get_object_or_404(ResearchGroup, pk=int(group_id)) if group_id.isdigit() else None
    if group is None:
        raise Http404
    require_leader(user=request.user, group=group, message=_("Only the group's leader can schedule a live lesson."))
    activity_id = request.GET.get("activity", "")
    initial = {}
    if activity_id.isdigit():
        activity = group.activities.filter(pk=int(activity_id)).first()
        if activity is not None:
            initial = {"activity": activity, "title": activity.title,
                       "scheduled_at": timezone.localtime(activity.starts_at).strftime("%Y-%m-%dT%H:%M")}
    form = LiveLessonForm(request.POST or None, group=group, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        live, key = services.live_create(user=request.user, group=group, title=data["title"],
                                         scheduled_at=data["scheduled_at"], audience=data["audience"],
                                         activity=data["activity"])
        request.session[f"live-key-{live.pk}"] = key
        return redirect("live:manage", live.pk)
    return render(request, "live/new.html", {"form": form, "group": group, "available": settings.KEXIANG_LIVE_AVAILABLE})


@login_required_here
@require_http_methods(["GET", "POST"])
def manage(request, pk):
    """The presenter's page: where to publish, the key (once, after scheduling or a reset), who watched."""
    live = get_object_or_404(LiveLesson.objects.select_related("group", "activity", "replay"), pk=pk)
    require_leader(user=request.user, group=live.group, message=_("Only the group's leader can manage this lesson."))
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "publish" and live.replay_id:
        try:
            resource = resource_create_from_video(
                user=request.user, asset=live.replay, title=live.title, subject=live.group.subject,
                visibility=request.POST.get("visibility", Resource.Visibility.SCHOOL))
        except (ResourceUploadError, ValidationError) as error:
            messages.error(request, str(getattr(error, "message", error)))
            return redirect("live:manage", live.pk)
        messages.success(request, _("The replay is in the library."))
        return redirect("resources:detail", resource.pk)
    if action == "reset":
        request.session[f"live-key-{live.pk}"] = services.stream_key_reset(user=request.user, live=live)
    if request.method == "POST":  # (anything else, e.g. publishing a replay that is gone: nothing changes)
        return redirect("live:manage", live.pk)
    key = request.session.pop(f"live-key-{live.pk}", None)
    return render(request, "live/manage.html", {
        "live": live, "key": key, "urls": live_urls(live), "available": settings.KEXIANG_LIVE_AVAILABLE,
        "watchers": services.watchers(live=live), "viewers": services.viewers_now(live),
        "can_publish": live.replay_id is not None and live.replay.owner_id == request.user.pk
        and live.replay.playable and not live.replay.resources.exists(),
        "visibilities": Resource.Visibility.choices,
    })
