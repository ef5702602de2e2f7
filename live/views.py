"""nginx-rtmp's callbacks, the status JSON and the watch page of a live lesson."""
import hmac
import logging

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import services
from .models import LiveLesson
from .selectors import live_can_watch, live_status

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
    return HttpResponse("ok")


@csrf_exempt
@require_POST
def hook_publish_done(request):
    if not _from_nginx(request):
        return HttpResponseForbidden("not nginx")
    live = services.publish_done(stream_name=request.POST.get("name", ""), client_id=request.POST.get("clientid", ""))
    if live is not None:
        logger.info("live: lesson %s ended", live.pk)
    return HttpResponse("ok")


def _watchable(request, pk):
    live = get_object_or_404(LiveLesson.objects.select_related("group", "group__pairing"), pk=pk)
    if not live_can_watch(user=request.user, live=live):
        raise Http404  # a private group's lesson does not reveal that it exists
    return live


@require_GET
def status(request, pk):
    return JsonResponse(live_status(_watchable(request, pk)), json_dumps_params={"ensure_ascii": False})


@require_GET
def watch(request, pk):
    return render(request, "live/watch.html", {"live": _watchable(request, pk)})
