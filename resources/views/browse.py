"""Browse the library 学段 → 学科 → 版本 → 册 → 章节 with counts, and the chapter picker's JSON APIs.

Every count and list goes through the visibility selectors: a resource shared with one school is counted and
shown to that school's teachers only.
"""
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.text import bounded_query

from ..models import ChapterNode, ResourceType, Stage, Subject, Textbook
from ..selectors import (
    CHAPTER_SEARCH_MAX,
    browse_editions,
    browse_stages,
    chapter_lesson_cards,
    chapter_search,
    chapter_tree,
    resource_list_visible,
    textbook_label,
    textbook_list,
    textbook_note,
    textbook_resource_counts,
    textbook_summary,
)

PAGE_SIZE = 20
TEXTBOOKS_MAX = 500
BOOK_RELATED = ("stage", "subject", "edition", "grade", "volume")


def _book_crumbs(book):
    """学段 › 学科 › 版本 › 册, each a link back up."""
    subject_url = reverse("resources:browse_subject", args=[book.stage.code, book.subject_id])
    return [
        (book.stage.name, reverse("resources:browse") + f"#stage-{book.stage.code}"),
        (book.subject.name, subject_url),
        (book.edition.name, f"{subject_url}#edition-{book.edition_id}"),
        (textbook_label(book), reverse("resources:textbook", args=[book.pk])),
    ]


def _search_url(**filters):
    return reverse("search:page") + "?" + urlencode({k: v for k, v in filters.items() if v})


def browse_home(request):
    return render(request, "resources/browse_home.html", {"stages": browse_stages(user=request.user)})


def browse_subject(request, stage_code, subject_id):
    stage = get_object_or_404(Stage, code=stage_code)
    subject = get_object_or_404(Subject, pk=subject_id)
    editions = browse_editions(user=request.user, stage=stage, subject=subject)
    total = resource_list_visible(user=request.user).filter(stage=stage, subject=subject).count()
    return render(
        request,
        "resources/browse_subject.html",
        {
            "stage": stage, "subject": subject, "editions": editions, "total": total,
            "open_all": len(editions) <= 2,
            "crumbs": [(stage.name, reverse("resources:browse") + f"#stage-{stage.code}")],
            "search_url": _search_url(stage=stage.name, subject=subject.name),
        },
    )


def textbook_detail(request, pk):
    book = get_object_or_404(Textbook.objects.select_related(*BOOK_RELATED), pk=pk)
    tree = chapter_tree(user=request.user, textbook=book)
    total = textbook_resource_counts(user=request.user, textbook_ids=[book.pk]).get(book.pk, 0)
    crumbs = _book_crumbs(book)
    return render(
        request,
        "resources/browse_textbook.html",
        {
            "book": book, "label": textbook_label(book), "note": textbook_note(book), "tree": tree.branch(),
            "total": total, "crumbs": crumbs[:-1],
            "search_url": _search_url(
                stage=book.stage.name, subject=book.subject.name, edition=book.edition.name,
                grade=book.grade.name if book.grade_id else "", volume=book.volume.name,
            ),
        },
    )


def chapter_detail(request, pk):
    chapter = get_object_or_404(ChapterNode.objects.select_related(*(f"textbook__{name}" for name in BOOK_RELATED)), pk=pk)
    book = chapter.textbook
    tree = chapter_tree(user=request.user, textbook=book)
    lineage = tree.lineage(chapter.pk)
    wanted = request.GET.get("type", "")
    wanted = wanted if wanted in ResourceType.values else ""
    cards, type_counts = chapter_lesson_cards(user=request.user, tree=tree, chapter=chapter, resource_type=wanted)
    page = Paginator(cards, PAGE_SIZE).get_page(request.GET.get("page"))
    crumbs = _book_crumbs(book) + [(node.title, reverse("resources:chapter", args=[node.pk])) for node in lineage[:-1]]
    return render(
        request,
        "resources/browse_chapter.html",
        {
            "chapter": chapter, "book": book, "label": textbook_label(book), "page": page, "crumbs": crumbs,
            "children": tree.branch(chapter.pk), "search_url": _search_url(chapter=chapter.pk),
            "type_counts": type_counts, "wanted": wanted, "total": sum(n for _t, _l, n in type_counts),
            "shown": sum(card["count"] for card in cards),
        },
    )


# JSON for the upload form's chapter picker (site/static/js/chapter-picker.js) and its selects. Chapters and
# textbooks hold no resources; only the chapters' order is the asking teacher's school's (its most used version).


def _json(data, status=200):
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 200:
        patch_cache_control(response, max_age=300)
    return response


@require_GET
def chapters_api(request):
    limit = request.GET.get("limit") or str(CHAPTER_SEARCH_MAX)
    if not limit.isdigit() or int(limit) < 1:
        return _json({"error": _("limit must be a whole number from 1 to %(max)s.") % {"max": CHAPTER_SEARCH_MAX}}, 400)
    textbook = request.GET.get("textbook", "").strip()
    if textbook and not textbook.isdigit():
        return _json({"error": _("textbook must be the number of a textbook.")}, 400)
    school_id = request.user.school_id if request.user.is_authenticated else None
    results = chapter_search(
        query=bounded_query(request.GET.get("q"), chars=50), textbook=textbook, stage=request.GET.get("stage"),
        subject=request.GET.get("subject"), limit=int(limit), school_id=school_id,
    )
    response = _json({"results": results})
    if school_id:  # (its order is the school's: no shared cache keeps it for someone else)
        patch_cache_control(response, private=True)
    return response


@require_GET
def textbooks_api(request):
    books = textbook_list(stage=request.GET.get("stage"), subject=request.GET.get("subject"), edition=request.GET.get("edition"))
    return _json({"results": [textbook_summary(book) for book in books[:TEXTBOOKS_MAX]]})
