"""What the database search backend reads, and the outbox that keeps Elasticsearch up to date."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    """One resource as the database backend sees it: grams (see search/text.py) by field group.

    SQLite mirrors these columns into the FTS5 table `search_fts` with triggers; PostgreSQL keeps
    generated tsvector columns beside them (migration 0002). Both are written by services only.
    """

    resource = models.OneToOneField(
        "resources.Resource", verbose_name=_("resource"), primary_key=True, on_delete=models.CASCADE, related_name="search_entry"
    )
    title = models.TextField(_("title grams"), blank=True)
    core = models.TextField(_("lesson and chapter grams"), blank=True)
    extra = models.TextField(_("pieces, authors, tags and description grams"), blank=True)
    words = models.TextField(_("jieba words"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")


class IndexOutbox(models.Model):
    """A resource whose Elasticsearch document is out of date. Written in the same transaction as the
    change; removed only after Elasticsearch has taken the change, so an outage loses nothing."""

    resource_id = models.BigIntegerField(_("resource id"), db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("search index outbox entry")
        verbose_name_plural = _("search index outbox")
