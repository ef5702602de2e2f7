"""System checks for search: with --deploy, say when the configured Elasticsearch cannot be reached."""
from django.conf import settings
from django.core.checks import Tags, Warning, register

from .backends import elastic


@register(Tags.database, deploy=True)
def elasticsearch_check(app_configs, **kwargs):
    if not settings.ELASTICSEARCH_URL:
        return []

    try:
        elastic.client(timeout=2).cluster.health(request_timeout=2)
    except Exception as exc:
        return [
            Warning(
                f"Elasticsearch at {settings.ELASTICSEARCH_URL} cannot be reached ({exc.__class__.__name__}); "
                "search will use the database until it can.",
                hint="Start the cluster or unset ELASTICSEARCH_URL; then run `manage.py search_index --rebuild`.",
                id="search.W001",
            )
        ]
    return []
