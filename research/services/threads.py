"""Writes of threads and posts: an activity's thread, a new thread, posts from a phone (text, files,
quote, @mentions, each mention and reply notified), what a member has read, and notifications read."""
import os
import re
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.media_storage import StorageUnavailable, storage_errors
from core.storage import storage_failed
from media_pipeline.quotas import school_storage

from .. import sanitize
from ..exceptions import PostRejectedError
from ..models import Notification, Post, PostAttachment, Thread, ThreadRead
from ..permissions import is_member, require_member


def activity_thread(*, activity) -> Thread:
    """Each occurrence has one thread, made the first time someone opens it."""
    thread, _created = Thread.objects.get_or_create(
        activity=activity, defaults={"group": activity.group, "title": activity.title}
    )
    return thread


def members_by_name(group) -> dict:
    """Lower-cased username and full name → user, for the group's members (who can be @mentioned)."""
    names = {}
    for user in User.objects.filter(group_memberships__group=group):
        names.setdefault(user.username.lower(), user)
        if user.full_name:
            names.setdefault(user.full_name.lower(), user)
    return names


_SAFE_NAME_RE = re.compile(r"[^\w.\-\u3400-\u9fff]+")


def _attachment_check(upload):
    if upload.size > settings.KEXIANG_POST_ATTACHMENT_MAX_BYTES:
        raise PostRejectedError(
            _("“%(name)s” is larger than %(mb)d MB. Share big files through the library and link them here.")
            % {"name": upload.name[:80], "mb": settings.KEXIANG_POST_ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        )
    if upload.size == 0:
        raise PostRejectedError(_("“%(name)s” is empty. Choose the file again.") % {"name": upload.name[:80]})


@transaction.atomic
def post_create(*, thread, author, body, quote=None, files=(), client_key="") -> tuple[Post, list[str]]:
    """Save a post. Returns it and the @names that match no member (nobody is notified for those).

    The text is sanitised (research.sanitize); an empty or oversized post is refused with a sentence
    and nothing is saved. The same `client_key` from the same author (a phone that sent twice) saves once.
    """
    require_member(user=author, group=thread.group)
    body = body or ""
    if len(body) > settings.KEXIANG_POST_MAX_CHARS:
        raise PostRejectedError(
            _("This post is %(n)d characters long; the most is %(max)d. Split it into two posts, or attach it as a file.")
            % {"n": len(body), "max": settings.KEXIANG_POST_MAX_CHARS}
        )
    clean = sanitize.clean_html(body)
    text = sanitize.html_to_text(clean)
    if not text.strip() and not files:
        raise PostRejectedError(_("The post is empty. Write something or attach a file."))
    for upload in files:
        _attachment_check(upload)
    if files and author.school_id and not school_storage(author.school).fits(sum(upload.size for upload in files)):
        raise PostRejectedError(
            _("Your school's storage is full, so these files cannot be kept. Ask your school admin to remove "
              "resources nobody uses; the text of your post can be sent without them."))
    if quote is not None and quote.thread_id != thread.pk:
        quote = None
    client_key = (client_key or "")[:64]
    if client_key:
        earlier = Post.objects.filter(thread=thread, author=author, client_key=client_key).first()
        if earlier is not None:
            return earlier, []
    members = members_by_name(thread.group)
    found, unknown = sanitize.mentions_find(text, known=members)
    post = Post(thread=thread, author=author, body_html=sanitize.mentions_mark(clean, known=members),
                body_text=text, quote=quote, client_key=client_key)
    try:
        with transaction.atomic():  # the post and its files, or nothing (the writer still has the text)
            try:
                with transaction.atomic():
                    post.save()
            except IntegrityError:  # the same client_key raced in from a second request
                return Post.objects.get(thread=thread, author=author, client_key=client_key), []
            for upload in files:
                base, ext = os.path.splitext(os.path.basename(upload.name))
                safe = (_SAFE_NAME_RE.sub("_", base)[:80] or "file") + _SAFE_NAME_RE.sub("", ext)[:10]
                attachment = PostAttachment(post=post, original_filename=safe, size=upload.size)
                with storage_errors("store a post's file"):
                    attachment.file.save(f"{uuid.uuid4().hex}{ext[:10].lower() if ext.isascii() else ''}", upload,
                                         save=False)
                attachment.save()
    except StorageUnavailable as error:
        storage_failed("private media storage", error)
        raise PostRejectedError(
            _("The files cannot be stored right now (the server's storage cannot be reached), so the post was not "
              "sent. Try again in a few minutes, or send the text without the files.")) from error
    Thread.objects.filter(pk=thread.pk).update(last_post_at=post.created_at)
    thread_mark_read(thread=thread, user=author, at=post.created_at)
    url = reverse("research:thread", args=[thread.pk]) + f"#post-{post.pk}"
    who = author.full_name or author.username
    notified = set()
    for name in found:
        user = members[name]
        if user.pk == author.pk or user.pk in notified:
            continue
        notified.add(user.pk)
        Notification.objects.create(user=user, kind=Notification.Kind.MENTION, url=url, group=thread.group,
                                    text=(_("%(who)s mentioned you in “%(thread)s”: %(text)s")
                                          % {"who": who, "thread": thread.title, "text": text[:80]})[:300])
    if (quote is not None and quote.author_id and quote.author_id != author.pk and quote.author_id not in notified
            and is_member(user=quote.author_id, group=thread.group)):
        Notification.objects.create(user_id=quote.author_id, kind=Notification.Kind.REPLY, url=url, group=thread.group,
                                    text=(_("%(who)s replied to you in “%(thread)s”: %(text)s")
                                          % {"who": who, "thread": thread.title, "text": text[:80]})[:300])
    return post, unknown


@transaction.atomic
def thread_create(*, group, author, title, body, files=()) -> Thread:
    require_member(user=author, group=group)
    title = (title or "").strip()
    if not title:
        raise PostRejectedError(_("Give the thread a title."))
    thread = Thread.objects.create(group=group, title=title[:200], created_by=author)
    post_create(thread=thread, author=author, body=body, files=files)
    return thread


def thread_mark_read(*, thread, user, at=None):
    at = at or thread.last_post_at or timezone.now()
    ThreadRead.objects.update_or_create(thread=thread, user=user, defaults={"last_read_at": at})


def notifications_mark_read(*, user, ids=None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
