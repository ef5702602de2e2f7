from django.core.paginator import Paginator
from django.http import HttpResponse
from django.db.models import Q
from django.shortcuts import get_object_or_404, render

from ..models import Stage, Subject
from ..selectors import resource_list_visible
from ..services import resource_record_view


def resource_list(request):
    """Browse by 学段/学科 with a plain title filter. Full search is the search app's job."""
    resources = resource_list_visible(user=request.user).select_related("stage", "grade", "subject", "edition", "volume")
    stage = Stage.objects.filter(code=request.GET.get("stage", "")).first()
    subject_id = request.GET.get("subject", "")
    subject = Subject.objects.filter(pk=subject_id).first() if subject_id.isdigit() else None
    query = request.GET.get("q", "").strip()
    if stage:
        resources = resources.filter(stage=stage)
    if subject:
        resources = resources.filter(subject=subject)
    if query:
        for word in query.split():
            resources = resources.filter(Q(title__icontains=word) | Q(lesson_title__icontains=word) | Q(textbook_title__icontains=word))
    page = Paginator(resources.order_by("-created_at", "-id"), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "resources/resource_list.html",
        {"page": page, "stage": stage, "subject": subject, "query": query, "stages": Stage.objects.all()},
    )


def resource_detail(request, pk):
    resource = get_object_or_404(
        resource_list_visible(user=request.user).select_related(
            "stage", "grade", "subject", "edition", "volume", "textbook", "chapter"
        ),
        pk=pk,
    )
    resource_record_view(resource=resource)
    return render(request, "resources/resource_detail.html", {"resource": resource})


def my_uploads(request):
    return HttpResponse("")


def prep_folder(request):
    return HttpResponse("")
