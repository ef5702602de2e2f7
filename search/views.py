"""The search API and the search page; both call search.selectors.resource_search."""
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from resources.models import ResourceType

from .selectors import SearchParams, params_from_query_dict, resource_search, resource_suggest, search_dead_end_help
from core.text import bounded_query


@require_GET
def search_api(request):
    try:
        params = params_from_query_dict(request.GET)
    except ValueError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    result = resource_search(user=request.user, params=params)
    return JsonResponse(
        {
            "count": result.count,
            "count_is_estimate": result.count_is_estimate,
            "page": params.page,
            "page_size": params.page_size,
            "results": result.results,
            "facets": result.facets,
            "understood": result.understood,
            "relaxed": result.relaxed,
            "partial_from": result.partial_from,
            "backend": result.backend,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def suggest_api(request):
    prefix = bounded_query(request.GET.get("q"), chars=50)
    return JsonResponse({"suggestions": resource_suggest(user=request.user, prefix=prefix)}, json_dumps_params={"ensure_ascii": False})


@require_GET
def search_page(request):
    error = None
    try:
        params = params_from_query_dict(request.GET)
    except ValueError as exc:
        error, params = str(exc), SearchParams(q=bounded_query(request.GET.get("q")))
    result = resource_search(user=request.user, params=params)
    # A Paginator over the count only, for the page links; the selector already cut the page.
    pages = Paginator(range(result.count), params.page_size)
    page = pages.get_page(params.page)
    active = {k: v for k, v in params.filters.items()}
    return render(
        request,
        "search/search_page.html",
        {
            "params": params, "result": result, "page": page, "error": error, "active": active,
            "type_labels": dict(ResourceType.choices),
            "help": search_dead_end_help(user=request.user, params=params) if not result.count and params.q else None,
        },
    )
