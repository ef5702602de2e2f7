"""Writes for the library: seeding the vocabulary, importing the catalogue and resources."""
import unicodedata
import uuid
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import TaskState, WorkflowState

from accounts.models import User
from core.media_storage import StorageUnavailable, storage_errors
from core.storage import storage_failed
from media_pipeline import tus
from media_pipeline.exceptions import UploadError
from media_pipeline.models import MediaAsset
from media_pipeline.selectors import media_asset_is_held
from media_pipeline.services import is_media_upload, media_asset_create_from_upload

from . import signals, vocabulary
from .catalogue import Catalogue
from .documents import PREVIEW_FORMATS, document_check, extension_of
from .exceptions import ResourceUploadError, StorageUnavailableError
from .lesson_mapping import LessonIndex, MappingCounts, ResourceFacts
from .models import (
    VIDEO_TYPES,
    ChapterNode,
    Edition,
    Grade,
    PrepItem,
    Resource,
    ResourceType,
    Stage,
    Subject,
    Textbook,
    Volume,
)
from .previews import resource_preview_request
from .selectors import paired_school_ids


@dataclass
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self):
        return self.created + self.updated


@dataclass
class ResourceImportCounts(ImportCounts):
    mapped: MappingCounts = field(default_factory=MappingCounts)  # lessons found in another version of the book


@dataclass
class CatalogueImportReport:
    books: ImportCounts = field(default_factory=ImportCounts)
    chapters: ImportCounts = field(default_factory=ImportCounts)
    skipped: list[str] = field(default_factory=list)
    filed: int = 0  # resources already in the library that the new trees gave their chapter
    mapped: MappingCounts = field(default_factory=MappingCounts)  # and those found in another version of their book

    @property
    def changed(self):
        return self.books.changed + self.chapters.changed


def vocabulary_seed(get_model=None):
    """Create the national stages, grades, subjects, volumes and editions (idempotent).

    `get_model` lets a data migration pass its historical models (apps.get_model).
    """
    get_model = get_model or (lambda name: globals()[name])
    stage_model, grade_model = get_model("Stage"), get_model("Grade")
    subject_model, volume_model, edition_model = get_model("Subject"), get_model("Volume"), get_model("Edition")
    stages = {}
    for code, name, position in vocabulary.STAGES:
        stages[code], _created = stage_model.objects.update_or_create(
            code=code, defaults={"name": name, "position": position}
        )
    for name, stage_code, position in vocabulary.GRADES:
        grade_model.objects.update_or_create(name=name, defaults={"stage": stages[stage_code], "position": position})
    for position, name in enumerate(vocabulary.SUBJECTS, start=1):
        subject_model.objects.update_or_create(name=name, defaults={"position": position})
    for position, name in enumerate(vocabulary.VOLUMES, start=1):
        volume_model.objects.update_or_create(name=name, defaults={"position": position})
    for name in vocabulary.EDITIONS:
        edition_model.objects.get_or_create(name=name, defaults={"series": vocabulary.edition_series(name)})


class _Lookup:
    """Find-or-create for the small label tables, with one query per table up front."""

    def __init__(self):
        self.stages = {s.name: s for s in Stage.objects.all()}
        self.grades = {g.name: g for g in Grade.objects.all()}
        self.subjects = {s.name: s for s in Subject.objects.all()}
        self.editions = {e.name: e for e in Edition.objects.all()}
        self.volumes = {v.name: v for v in Volume.objects.all()}

    def subject(self, name):
        if name not in self.subjects:
            self.subjects[name] = Subject.objects.create(name=name)
        return self.subjects[name]

    def edition(self, name, series=None):
        if name not in self.editions:
            self.editions[name] = Edition.objects.create(name=name, series=series or vocabulary.edition_series(name))
        return self.editions[name]

    def volume(self, name):
        if name not in self.volumes:
            self.volumes[name] = Volume.objects.create(name=name)
        return self.volumes[name]


def _apply(instance, values):
    """Set `values` on `instance`; return the names of the fields that changed."""
    changed = []
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


@transaction.atomic
def textbooks_import(*, catalogue: Catalogue) -> CatalogueImportReport:
    """Create or update textbooks and chapter nodes by their catalogue ids. All or nothing.

    Resources already in the library that new or changed trees concern are filed and mapped to the same lesson
    in other versions of their book (_lessons_after_trees)."""
    report = CatalogueImportReport(skipped=list(catalogue.skipped))
    lookup = _Lookup()
    existing = {t.external_id: t for t in Textbook.objects.all()}
    new_books = []
    for book in catalogue.books:
        stage = lookup.stages.get(book.stage)
        if stage is None:
            report.skipped.append(
                _("textbook %(id)s “%(title)s”: unknown stage “%(stage)s”")
                % {"id": book.external_id, "title": book.title, "stage": book.stage}
            )
            continue
        values = {
            "title": book.title,
            "stage_id": stage.pk,
            "school_system": book.school_system,
            "grade_id": lookup.grades[book.grade].pk if book.grade else None,
            "grade_label": book.grade_label,
            "subject_id": lookup.subject(book.subject).pk,
            "edition_id": lookup.edition(book.edition, book.edition_series).pk,
            "volume_id": lookup.volume(book.volume).pk,
            "curriculum": book.curriculum,
            "source_updated": book.source_updated,
        }
        textbook = existing.get(book.external_id)
        if textbook is None:
            textbook = Textbook(external_id=book.external_id, **values)
            textbook.full_clean(validate_unique=False, validate_constraints=False)
            new_books.append(textbook)
            report.books.created += 1
        elif changed := _apply(textbook, values):
            textbook.save(update_fields=[name.removesuffix("_id") for name in changed])
            report.books.updated += 1
        else:
            report.books.unchanged += 1
    for textbook in Textbook.objects.bulk_create(new_books, batch_size=500):
        existing[textbook.external_id] = textbook
    if any(t.pk is None for t in new_books):  # backends that do not return ids from bulk_create
        existing = {t.external_id: t for t in Textbook.objects.all()}

    textbook_ids = {external_id: t.pk for external_id, t in existing.items()}
    nodes = {n.external_id: n for n in ChapterNode.objects.all()}
    missing_trees, changed_trees = set(), set()
    for record in catalogue.nodes:  # parents come before their children
        textbook_pk = textbook_ids.get(record.textbook_id)
        if textbook_pk is None:
            missing_trees.add(record.textbook_id)
            continue
        parent = nodes.get(record.parent_id) if record.parent_id else None
        values = {
            "textbook_id": textbook_pk,
            "parent_id": parent.pk if parent else None,
            "title": record.title,
            "kind": record.kind,
            "depth": record.depth,
            "position": record.position,
            "path": record.path,
        }
        node = nodes.get(record.external_id)
        if node is None:
            node = ChapterNode.objects.create(external_id=record.external_id, **values)
            nodes[record.external_id] = node
            report.chapters.created += 1
            changed_trees.add(textbook_pk)
        elif changed := _apply(node, values):
            node.save(update_fields=[name.removesuffix("_id") for name in changed])
            report.chapters.updated += 1
            changed_trees.add(textbook_pk)
        else:
            report.chapters.unchanged += 1
    for textbook_id in sorted(missing_trees):
        report.skipped.append(
            _("chapter tree %(id)s: its textbook is not in the catalogue; import the catalogue with it")
            % {"id": textbook_id}
        )
    if changed_trees:
        report.filed, report.mapped = _lessons_after_trees(textbook_ids=changed_trees)
    return report


def _lessons_after_trees(*, textbook_ids):
    """Chapter trees of `textbook_ids` arrived or changed: the resources already in the library that they concern.

    Those of these books without a chapter get the one their chapter path names; those whose lesson is still
    unknown (or has no 篇), in these books or in other versions of them, get the same lesson of a new tree in
    also_chapters. Search rewrites them, and every resource on these trees (their 篇 may have changed).
    Returns (resources given their chapter, MappingCounts).
    """
    chapters = _ChapterIndex()
    index = chapters.lessons
    now = timezone.now()
    filed = []
    for pk, textbook_id, chapter_path, lesson_title in Resource.objects.filter(
            textbook_id__in=textbook_ids, chapter__isnull=True).values_list("pk", "textbook_id", "chapter_path",
                                                                              "lesson_title"):
        chapter_id = chapters.find(textbook_id, chapter_path or [], lesson_title)
        if chapter_id is not None:
            filed.append(Resource(pk=pk, chapter_id=chapter_id, updated_at=now))
    Resource.objects.bulk_update(filed, ["chapter", "updated_at"], batch_size=1000)

    groups = {index.books[pk].key for pk in textbook_ids if index.books[pk].key}
    books = [pk for pk, book in index.books.items() if book.key in groups]
    # Resources without a known textbook belong to a group by their own subject, grade, volume and edition.
    by_fields = Resource.objects.filter(
        textbook__isnull=True, subject_id__in={g[0] for g in groups},
        grade_id__in={g[1] for g in groups if isinstance(g[1], int)},
        volume_id__in={g[2] for g in groups}, edition_id__in={g[3] for g in groups})
    queries = [by_fields] + [Resource.objects.filter(textbook_id__in=books[start:start + 500])
                             for start in range(0, len(books), 500)]
    candidates = [ResourceFacts(*values) for query in queries
                  for values in query.exclude(chapter__kind=ChapterNode.Kind.PIECE).values_list(*ResourceFacts.FIELDS)]
    mapped = _sibling_lessons_link(index=index, resources=candidates)

    on_trees = Resource.objects.filter(
        Q(chapter__textbook_id__in=textbook_ids) | Q(also_chapters__textbook_id__in=textbook_ids)
    ).values_list("pk", flat=True).distinct()
    changed = {r.pk for r in filed} | mapped.added | set(on_trees)
    if changed:
        signals.resources_changed.send(sender=Resource, resource_ids=sorted(changed))
    return len(filed), mapped


def _sibling_lessons_link(*, index, resources) -> MappingCounts:
    """Add to each resource's also_chapters the same lesson in another version of its book (LessonIndex.
    sibling_lesson), unless it already has a chapter of that book there: a person's choice, or an earlier import's.
    Adds only; sends no signal (the caller tells search)."""
    counts = MappingCounts()
    found = {r.pk: (r, node) for r in resources if (node := index.sibling_lesson(r)) is not None}
    if not found:
        return counts
    through, ids, linked = Resource.also_chapters.through, list(found), {}
    for start in range(0, len(ids), 1000):
        for resource_id, node_id in through.objects.filter(resource_id__in=ids[start:start + 1000]).values_list(
                "resource_id", "chapternode_id"):
            linked.setdefault(resource_id, set()).add(node_id)
    new = []
    for pk, (resource, node) in found.items():
        links = linked.get(pk, set())
        if node not in links:
            if any(index.book_of.get(other) == index.book_of[node] for other in links):
                continue  # someone chose another lesson of that book
            new.append(through(resource_id=pk, chapternode_id=node))
        counts.pairs.add((resource.textbook_id, node))
        counts.resources.add(pk)
    through.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    counts.added = {link.resource_id for link in new}
    return counts


RESOURCE_FIELDS = [
    "title", "resource_type", "stage_id", "grade_id", "subject_id", "edition_id", "volume_id", "textbook_id",
    "chapter_id", "textbook_title", "chapter_path", "lesson_title", "authors", "format", "duration_s", "size_bytes",
    "width", "height", "source", "description", "tags", "file", "extra",
]


class _ChapterIndex:
    """Chapter nodes of the known textbooks, found by textbook and title path (or, failing that, by title)."""

    def __init__(self):
        self.textbooks = {t.title: t for t in Textbook.objects.all()}
        self.paths = {
            (textbook_id, path): pk for pk, textbook_id, path in ChapterNode.objects.values_list("pk", "textbook_id", "path")
        }
        self.lessons = LessonIndex()

    def find(self, textbook_id, chapter_path, lesson_title=""):
        if textbook_id is None:
            return None
        titles = [vocabulary.clean_label(title) for title in chapter_path or []]
        # The deepest node that matches: a resource may name a 篇 under a 课 the tree lacks.
        found = None
        for end in range(len(titles), 0, -1):
            found = self.paths.get((textbook_id, " > ".join(titles[:end])))
            if found:
                break
        if self.lessons.is_lesson(found):
            return found
        # A unit at most: the lesson may be numbered differently in this print ("13 唐诗五首" for "14 唐诗五首").
        return self.lessons.in_book(textbook_id, chapter_path=chapter_path, lesson_title=lesson_title) or found


def resources_import(*, rows, progress=None, batch_size=1000) -> ResourceImportCounts:
    """Create or update resources by external_id from checked rows (importing.check_row).

    A row whose lesson its own textbook does not know (no tree, another title) also gets the same lesson in
    another version of that book (lesson_mapping), in also_chapters; links are only added, never removed.
    """
    counts = ResourceImportCounts()
    lookup = _Lookup()
    chapters = _ChapterIndex()
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        with transaction.atomic():
            existing = {r.external_id: r for r in Resource.objects.filter(external_id__in=[row["external_id"] for row in batch])}
            new, updated, fields, facts = [], [], set(), {}
            now = timezone.now()
            for row in batch:
                values = _resource_values(row, lookup, chapters)
                facts[row["external_id"]] = values
                resource = existing.get(row["external_id"])
                if resource is None:
                    new.append(Resource(external_id=row["external_id"], **values))
                    counts.created += 1
                elif changed := _apply(resource, values):
                    resource.updated_at = now
                    updated.append(resource)
                    fields.update(name.removesuffix("_id") for name in changed)
                    counts.updated += 1
                else:
                    counts.unchanged += 1
            if updated:
                Resource.objects.bulk_update(updated, sorted(fields) + ["updated_at"])
            Resource.objects.bulk_create(new)
            ids = {r.external_id: r.pk for r in (*existing.values(), *new)}
            if any(pk is None for pk in ids.values()):  # a backend that returns no ids from bulk_create
                ids = dict(Resource.objects.filter(external_id__in=list(ids)).values_list("external_id", "pk"))
            mapped = _sibling_lessons_link(index=chapters.lessons, resources=[
                ResourceFacts(pk=ids[external_id], **{name: values[name] for name in ResourceFacts.FIELDS[1:]})
                for external_id, values in facts.items()
            ])
            counts.mapped.merge(mapped)
            changed_ids = {ids[r.external_id] for r in (*updated, *new)} | mapped.added
            signals.resources_changed.send(sender=Resource, resource_ids=sorted(changed_ids))
        if progress:
            progress(min(start + batch_size, len(rows)), len(rows))
    return counts


def _resource_values(row, lookup, chapters):
    stage_name, _system = vocabulary.normalize_stage(row["stage"]) if row["stage"] else ("", "")
    grade_name = vocabulary.normalize_grade(row["grade"])
    textbook = chapters.textbooks.get(vocabulary.clean_label(row["textbook"])) if row["textbook"] else None
    stage = lookup.stages.get(stage_name)
    grade = lookup.grades.get(grade_name)
    return {
        "title": row["title"][:300],
        "resource_type": row["resource_type"],
        "stage_id": stage.pk if stage else (textbook.stage_id if textbook else None),
        "grade_id": grade.pk if grade else (textbook.grade_id if textbook else None),
        "subject_id": lookup.subject(vocabulary.clean_label(row["subject"])).pk if row["subject"] else None,
        "edition_id": lookup.edition(vocabulary.normalize_edition(row["edition"])).pk if row["edition"] else None,
        "volume_id": lookup.volume(vocabulary.normalize_volume(row["volume"])).pk if row["volume"] else None,
        "textbook_id": textbook.pk if textbook else None,
        "chapter_id": chapters.find(textbook.pk if textbook else None, row["chapter_path"], row["lesson_title"]),
        "textbook_title": row["textbook"][:200],
        "chapter_path": row["chapter_path"],
        "lesson_title": row["lesson_title"][:200],
        "authors": row["authors"],
        "format": row["format"][:20],
        "duration_s": row["duration_s"],
        "size_bytes": row["size_bytes"],
        "width": row["width"],
        "height": row["height"],
        "source": row["source"][:200],
        "description": row["description"],
        "tags": row["tags"],
        "file": row["file"][:1000],
        "extra": row["extra"],
    }


def _resource_count_use(resource, counter):
    """Add one to `counter` and to use_count (what "most used" sorts by); one UPDATE, no save() of the row."""
    Resource.objects.filter(pk=resource.pk).update(**{counter: F(counter) + 1, "use_count": F("use_count") + 1})
    signals.resource_counts_changed.send(sender=Resource, resource_ids=[resource.pk])


def resource_record_view(*, resource):
    _resource_count_use(resource, "view_count")


# The teacher-facing library: uploads, moderation, downloads, the prep folder.


def display_filename(name: str) -> str:
    """The last part of a client's file name, without path separators or control characters (emoji kept)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs") or ch == "\u200d")
    name = name.strip().lstrip(".").strip()
    return name[:200] or "file"


def _cleaned_upload(*, user, upload_id):
    try:
        upload = tus.upload_get(upload_id=upload_id, user=user)
    except UploadError as error:
        raise ResourceUploadError(
            _("The uploaded file could not be found (it may have expired). Choose the file again."), str(error)
        ) from error
    if not upload.is_complete:
        raise ResourceUploadError(_("The file has not finished uploading. Wait until it reaches 100 %, then save."))
    if upload.length == 0:
        raise ResourceUploadError(_("The file is empty (0 bytes). Check that it opens on your phone, then choose it again."))
    return upload


@transaction.atomic
def resource_create_from_upload(*, user, upload_id, title, resource_type, visibility, licence, chapter=None,
                                stage=None, grade=None, subject=None, description="", tags=()) -> Resource:
    """Make a resource from a finished resumable upload and the metadata the teacher gave.

    A video becomes a media asset (its transcode started when the upload finished); a document is checked,
    copied into media storage and queued for page previews. Asking for "public" keeps the resource visible to
    the teacher's school and submits the public version for moderation.
    """
    upload = _cleaned_upload(user=user, upload_id=upload_id)
    existing = Resource.objects.filter(external_id=f"upload:{upload.id}", uploaded_by=user).first()
    if existing is not None:  # "Save" pressed twice: the first one already made it
        return existing
    resource = Resource(
        external_id=f"upload:{upload.id}", title=title.strip(), resource_type=resource_type, licence=licence,
        description=description, tags=list(tags), authors=[user.get_full_name()], school=user.school, uploaded_by=user,
    )
    if chapter is not None:
        resource_file_under(resource, chapter)
    else:
        resource.stage, resource.subject = stage or (grade.stage if grade else None), subject
        resource.grade = grade
    is_video_upload = _file_from_upload(resource, upload=upload, user=user)

    wants_public = visibility == Resource.Visibility.PUBLIC
    if wants_public:
        visibility = visibility_while_moderated(user=user)
    resource.visibility = visibility
    resource.full_clean()
    resource.save()
    if resource.attachment and resource.format in PREVIEW_FORMATS:
        resource_preview_request(resource=resource)
    if wants_public:
        resource_submit_for_moderation(resource=resource, user=user)
    if not is_video_upload:
        transaction.on_commit(lambda: _upload_discard(upload.id, user), robust=True)
    return resource


def _file_from_upload(resource, *, upload, user) -> bool:
    """Give `resource` (not saved) the file of a finished upload: a video becomes (or already is) a media asset,
    a document is checked and copied into media storage. The type must fit the file. True for a video."""
    filename = display_filename(upload.filename)
    extension = extension_of(filename)
    is_video_upload = is_media_upload(upload)
    if resource.resource_type in VIDEO_TYPES and not is_video_upload:
        raise ResourceUploadError(_("A micro-lesson or recorded lesson needs a video file (MP4, MOV, 3GP…). "
                                    "Choose a video, or pick another type for this file."))
    if resource.resource_type not in VIDEO_TYPES and is_video_upload:
        raise ResourceUploadError(_("This is a video. Choose “Micro-lesson” or “Recorded lesson” as its type."))
    resource.original_filename, resource.format, resource.size_bytes = filename, extension[:20], upload.length
    if is_video_upload:
        asset = MediaAsset.objects.filter(upload_id=str(upload.id), owner=user).first()
        if asset is None:  # the process died between the upload's last byte and its asset, or the store was down
            try:
                media_asset_create_from_upload(upload=upload)
            except StorageUnavailable as error:
                raise _storage_unavailable(error) from error
            asset = MediaAsset.objects.get(upload_id=str(upload.id), owner=user)
        if asset.state == MediaAsset.State.FAILED and asset.error_message:
            # (the probe at the upload's end found it: the form said so already; nothing is saved)
            raise ResourceUploadError(_(asset.error_message) + " " + _("Choose another file; what you typed is kept."),
                                      detail=asset.error_detail)
        resource.media_asset, resource.duration_s = asset, asset.duration
        resource.attachment = None
    else:
        path = tus.upload_path(upload)
        document_check(path, filename)  # raises a ResourceFileError with a sentence for the teacher
        try:
            with open(path, "rb") as handle, storage_errors("store an attachment"):
                resource.attachment.save(f"{uuid.uuid4().hex}.{extension or 'bin'}", File(handle), save=False)
        except OSError as error:
            raise _storage_unavailable(error) from error
        resource.media_asset, resource.duration_s = None, None
    return is_video_upload


@transaction.atomic
def resource_create_from_video(*, user, asset, title, visibility, resource_type=ResourceType.RECORDING, licence="",
                               chapter=None, stage=None, subject=None, grade=None, description="",
                               tags=()) -> Resource:
    """A video the user already has (a live lesson's replay, a recording uploaded on its own) published to the
    library, as an upload would be: asking for "public" keeps it visible to the user's school and submits the
    public version for moderation. Twice: the first one stands."""
    if asset.owner_id != user.pk:
        raise ResourceUploadError(_("Only the owner of this video can publish it."))
    if asset.state == MediaAsset.State.FAILED:
        raise ResourceUploadError(_("This video could not be prepared for phones, so it cannot go into the "
                                    "library. Upload the recording again."))
    existing = Resource.objects.filter(Q(external_id=f"video:{asset.uid}") | Q(media_asset=asset)).first()
    if existing is not None:
        return existing
    resource = Resource(
        external_id=f"video:{asset.uid}", title=title.strip(), resource_type=resource_type, licence=licence,
        original_filename=asset.title[:255], format="mp4", size_bytes=asset.size_bytes, description=description,
        tags=list(tags), authors=[user.get_full_name()], school=user.school, uploaded_by=user, media_asset=asset,
        duration_s=asset.duration,
    )
    if chapter is not None:
        resource_file_under(resource, chapter)
    else:
        resource.stage, resource.subject, resource.grade = stage or (grade.stage if grade else None), subject, grade
    wants_public = visibility == Resource.Visibility.PUBLIC
    if wants_public:
        visibility = visibility_while_moderated(user=user)
    resource.visibility = visibility
    resource.full_clean()
    resource.save()
    if wants_public:
        resource_submit_for_moderation(resource=resource, user=user)
    return resource


def _workflow_state(resource):
    """The resource's moderation that is still open (in progress or sent back), or None."""
    return (WorkflowState.objects.filter(base_content_type=ContentType.objects.get_for_model(Resource),
                                         object_id=str(resource.pk),
                                         status__in=(WorkflowState.STATUS_IN_PROGRESS,
                                                     WorkflowState.STATUS_NEEDS_CHANGES))
            .order_by("-created_at").first())


def _may_change(resource, user):
    if not (user.is_authenticated and resource.uploaded_by_id == user.pk):
        raise ResourceUploadError(_("Only the teacher who shared this resource can change or delete it."))


@transaction.atomic
def resource_update(*, resource, user, title, resource_type, visibility, licence, chapter=None, stage=None,
                    grade=None, subject=None, description="", tags=(), upload_id=None) -> Resource:
    """The uploader changes what she shared: its details, who sees it, and (with `upload_id`) its file.

    Readers see the change at once, but for the public: asking for "public" (again) sends the changed version to
    moderation (a version sent back for changes is resubmitted; one still waiting is replaced by this one, since
    approval publishes the latest), and a new file for a public resource goes back to moderation, the resource
    visible meanwhile as while waiting. Asking for less than public withdraws a waiting moderation. The file
    replaced is deleted once nothing else uses it.
    """
    _may_change(resource, user)
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    old_asset, old_attachment = resource.media_asset, resource.attachment.name
    was_public = resource.visibility == Resource.Visibility.PUBLIC
    resource.title, resource.resource_type, resource.licence = title.strip(), resource_type, licence
    resource.description, resource.tags = description, list(tags)
    if chapter is not None:
        resource_file_under(resource, chapter)
    else:
        resource.chapter, resource.textbook, resource.edition, resource.volume = None, None, None, None
        resource.textbook_title, resource.chapter_path, resource.lesson_title = "", [], ""
        resource.stage, resource.subject = stage or (grade.stage if grade else None), subject
        resource.grade = grade
    upload = _cleaned_upload(user=user, upload_id=upload_id) if upload_id else None
    if upload is not None:
        is_video_upload = _file_from_upload(resource, upload=upload, user=user)
    elif (resource_type in VIDEO_TYPES) != (resource.media_asset_id is not None):
        raise ResourceUploadError(_("This type does not fit the file: a micro-lesson or recorded lesson is a video, "
                                    "the other types are documents. Keep the type, or replace the file."))

    state = _workflow_state(resource)
    wants_public = visibility == Resource.Visibility.PUBLIC
    moderate = wants_public and (not was_public or upload is not None or state is not None)
    resource.visibility = visibility_while_moderated(user=user) if moderate else visibility
    resource.full_clean()
    resource.save()
    if upload is not None:  # (the new file's pages, or none for a video; the old pages go)
        resource_preview_request(resource=resource)
    if moderate:
        if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
            resource.visibility = Resource.Visibility.PUBLIC
            resource.save_revision(user=user)
            state.resume(user=user)
            resource.refresh_from_db()
        elif state is not None:  # still waiting: the moderator approves the version saved now
            resource.visibility = Resource.Visibility.PUBLIC
            resource.save_revision(user=user)
            resource.refresh_from_db()
        else:
            resource_submit_for_moderation(resource=resource, user=user)
    elif state is not None:
        state.cancel(user=user)
    if upload is not None:
        if not is_video_upload:
            transaction.on_commit(lambda: _upload_discard(upload.id, user), robust=True)
        if old_attachment and old_attachment != resource.attachment.name:
            from .signal_handlers import resource_files_delete  # noqa: PLC0415  (it imports this module)

            transaction.on_commit(lambda: resource_files_delete(files=[old_attachment], pages=[]), robust=True)
    if old_asset is not None and old_asset.pk != resource.media_asset_id:
        _media_asset_drop_if_unused(old_asset)
    return resource


def _media_asset_drop_if_unused(asset) -> bool:
    """Delete a video nothing uses any more (no resource, 评课, 磨课 round or live lesson): its files go after the
    commit. A video still in a group's review stays there."""
    if media_asset_is_held(asset=asset):
        return False
    asset.delete()
    return True


def resource_delete(*, resource, user) -> bool:
    """The uploader deletes what she shared: the resource, its open moderation, its files, and its video unless a
    group's review (or a 磨课 round, a live lesson) still holds it. True when the video went too (or there was
    none)."""
    _may_change(resource, user)
    with transaction.atomic():
        state = _workflow_state(resource)
        if state is not None:
            state.cancel(user=user)
        asset = resource.media_asset
        resource.delete()  # (its attachment, captions and previews go after the commit: signal_handlers)
        return asset is None or _media_asset_drop_if_unused(asset)


def visibility_while_moderated(*, user) -> str:
    """Who sees a resource its uploader asked to make public while a reviewer has not approved it yet: it was
    meant for everyone, so the uploader's school and the schools paired with it (a partner school asked for
    it); only the uploader when they have no school."""
    if not user.school_id:
        return Resource.Visibility.PRIVATE
    return Resource.Visibility.PAIRING if len(paired_school_ids(user.school_id)) > 1 else Resource.Visibility.SCHOOL


def resource_file_under(resource, chapter):
    """Classify `resource` (not saved) under a chapter of the catalogue: its book, 学段/年级/学科/版本/册, the
    chapter's path and the lesson (课) it belongs to."""
    book = chapter.textbook
    resource.chapter, resource.textbook, resource.textbook_title = chapter, book, book.title
    resource.stage_id, resource.grade_id, resource.subject_id = book.stage_id, book.grade_id, book.subject_id
    resource.edition_id, resource.volume_id = book.edition_id, book.volume_id
    resource.chapter_path = chapter.path.split(" > ")
    lesson = chapter
    while lesson.kind == ChapterNode.Kind.PIECE and lesson.parent_id:
        lesson = lesson.parent
    resource.lesson_title = lesson.title


def _storage_unavailable(error):
    storage_failed("media storage", error)
    return StorageUnavailableError(
        _("The server cannot store files right now (its storage cannot be written). Your upload is kept: "
          "press Save again later, and tell your school admin."), detail=str(error))


def _upload_discard(upload_id, user):
    """The copy is in media storage: the resumable upload's own file can go (gone already is fine)."""
    try:
        tus.upload_delete(upload_id=upload_id, user=user)
    except UploadError:
        pass


@transaction.atomic
def resource_submit_for_moderation(*, resource, user) -> Resource:
    """Ask for `resource` to be public: its public version waits as a revision in the moderation workflow.

    The row keeps what readers see now; approval publishes the revision. Nothing goes public unmoderated:
    a missing workflow is made again.
    """
    workflow = resource.get_workflow() or moderation_setup_ensure()
    resource.visibility = Resource.Visibility.PUBLIC
    resource.save_revision(user=user)
    workflow.start(resource, user)
    resource.refresh_from_db()
    return resource


def resource_also_chapters_set(*, resource, chapter_ids) -> None:
    """The same lesson in other editions of `resource` becomes exactly `chapter_ids` (ids of chapters that no
    longer exist are left out); unchanged, nothing is written (search rewrites the resource on a change)."""
    wanted = set(ChapterNode.objects.filter(pk__in=list(chapter_ids)).values_list("pk", flat=True))
    if wanted != set(resource.also_chapters.values_list("pk", flat=True)):
        resource.also_chapters.set(wanted)


def resource_moderation_status(*, resource):
    """(state, comment) of the latest moderation: "in_progress", "needs_changes", "approved", or None."""
    return resource_moderation_statuses(resources=[resource]).get(resource.pk, (None, ""))


def resource_moderation_statuses(*, resources):
    """The latest moderation of each of `resources`, in two queries: {pk: (state, comment)}; none yet: left out."""
    keys = [str(r.pk) for r in resources]
    states = (WorkflowState.objects.filter(base_content_type=ContentType.objects.get_for_model(Resource),
                                           object_id__in=keys).order_by("object_id", "-created_at"))
    latest = {}
    for state in states:
        latest.setdefault(state.object_id, state)
    comments = {}
    for task in TaskState.objects.filter(workflow_state__in=list(latest.values())).order_by("-finished_at", "-started_at"):
        comments.setdefault(task.workflow_state_id, task.comment)
    return {int(key): (state.status, comments.get(state.pk, "")) for key, state in latest.items()}


def resource_record_download(*, resource):
    _resource_count_use(resource, "download_count")


def prep_item_toggle(*, user, resource) -> bool:
    """Add `resource` to the teacher's prep folder (备课夹), or take it out; returns whether it is in."""
    deleted, _rows = PrepItem.objects.filter(user=user, resource=resource).delete()
    if deleted:
        return False
    PrepItem.objects.get_or_create(user=user, resource=resource)
    return True


# The names people see in the admin stay as they were ("review" in them is 审核, the moderation).
MODERATION_WORKFLOW = "资源审核 (resource review)"
MODERATION_TASK = "审核上传 (review an upload)"
MODERATORS_GROUP = "Resource reviewers"
MODERATOR_PERMISSIONS = (
    ("wagtailadmin", "admin", "access_admin", "Can access Wagtail admin"),
    ("resources", "resource", "change_resource", "Can change resource"),
    ("resources", "resource", "view_resource", "Can view resource"),
    ("resources", "resource", "publish_resource", "Can publish resource"),
)


@transaction.atomic
def moderation_setup_ensure():
    """The moderation workflow on Resource and the moderators' group (idempotent); returns the workflow.

    Migration 0005 made them (as they were then); at run time this makes them again when they are missing: a
    flushed test database, or an operator who deleted them. School admins and district researchers join the
    group (user_groups_sync, on every user save): it opens the Wagtail admin to them; ResourceModerationTask
    decides which resources each may approve.
    """
    get_model = apps.get_model
    content_types = get_model("contenttypes", "ContentType").objects
    task_model = get_model("resources", "ResourceModerationTask")
    workflow_model = get_model("wagtailcore", "Workflow")

    task = task_model.objects.filter(name=MODERATION_TASK).first()
    if task is None:
        task_type, _created = content_types.get_or_create(app_label="resources", model="resourcemoderationtask")
        task = task_model.objects.create(name=MODERATION_TASK, content_type=task_type, active=True)
    workflow, _created = workflow_model.objects.get_or_create(name=MODERATION_WORKFLOW, defaults={"active": True})
    get_model("wagtailcore", "WorkflowTask").objects.get_or_create(workflow=workflow, task=task,
                                                                   defaults={"sort_order": 0})
    resource_type, _created = content_types.get_or_create(app_label="resources", model="resource")
    get_model("wagtailcore", "WorkflowContentType").objects.get_or_create(content_type=resource_type,
                                                                          defaults={"workflow": workflow})
    group, _created = get_model("auth", "Group").objects.get_or_create(name=MODERATORS_GROUP)
    permissions = get_model("auth", "Permission").objects
    for app_label, model, codename, name in MODERATOR_PERMISSIONS:
        content_type, _created = content_types.get_or_create(app_label=app_label, model=model)
        permission, _created = permissions.get_or_create(content_type=content_type, codename=codename,
                                                         defaults={"name": name})
        group.permissions.add(permission)
    return workflow


MODERATOR_ROLES = (User.Role.SCHOOL_ADMIN, User.Role.DISTRICT_RESEARCHER)


def user_groups_sync(*, user: User) -> None:
    """School admins and district researchers moderate resources in the Wagtail admin; others do not."""
    group = Group.objects.filter(name=MODERATORS_GROUP).first()
    moderator = user.role in MODERATOR_ROLES and user.is_active
    if group is None and moderator:
        moderation_setup_ensure()
        group = Group.objects.get(name=MODERATORS_GROUP)
    if group is None:
        return
    if moderator:
        user.groups.add(group)
    else:
        user.groups.remove(group)
