"""Reads for the library."""
import re
from collections import Counter

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import SchoolPairing
from core.text import as_id

from .lesson_mapping import same_lesson_in_other_versions
from .models import ChapterNode, Edition, Grade, Resource, ResourceType, Stage, Subject, Textbook, Volume


def resource_visible_q(user):
    """The resources `user` may see: public ones, their own, and their school's when shared with it."""
    if user is None or not user.is_authenticated:
        return visible_q()
    school_id = user.school_id
    return visible_q(user_id=user.pk, school_id=school_id, pairing_school_ids=paired_school_ids(school_id) if school_id else ())


def visible_q(*, user_id=None, school_id=None, pairing_school_ids=()):
    """resource_visible_q from ids already looked up (search keeps them per request)."""
    shared = Q(visibility=Resource.Visibility.PUBLIC)
    if school_id:
        shared |= Q(visibility=Resource.Visibility.SCHOOL, school_id=school_id)
        shared |= Q(visibility=Resource.Visibility.PAIRING, school_id__in=list(pairing_school_ids))
    # A resource never published (a draft made in the admin) is its uploader's alone.
    query = Q(live=True) & shared
    if user_id:
        query |= Q(uploaded_by_id=user_id)
    return query


def paired_school_ids(school_id, day=None):
    """The school itself and every school paired with it on `day` (today by default)."""
    day = day or timezone.localdate()
    active = SchoolPairing.objects.filter(Q(supporting_id=school_id) | Q(supported_id=school_id), starts_on__lte=day).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day)
    )
    ids = {school_id}
    for supporting_id, supported_id in active.values_list("supporting_id", "supported_id"):
        ids.update((supporting_id, supported_id))
    return ids


def resource_list_visible(*, user):
    return Resource.objects.filter(resource_visible_q(user))


def resource_readable_through_others(*, user, resource) -> bool:
    """True when something outside the library lets `user` read `resource` (signals.resource_readers: a group
    that reviews its video lets its members watch it, whichever school shared it)."""
    from .signals import resource_readers  # noqa: PLC0415

    if user is None or not user.is_authenticated:
        return False
    return any(answer is True for _receiver, answer in resource_readers.send(sender=Resource, user=user,
                                                                              resource=resource))


def resource_list_latest(*, user, limit=10):
    # The newest ids first, then those rows with their names: sorting whole joined rows of every visible
    # resource to keep ten cost the home page ~7 ms at 3,000 resources on SQLite.
    ids = list(resource_list_visible(user=user).order_by("-created_at", "-id").values_list("id", flat=True)[:limit])
    rows = Resource.objects.filter(pk__in=ids).select_related("subject", "grade", "stage").in_bulk()
    return [rows[pk] for pk in ids if pk in rows]


def browse_tree(*, user=None):
    """Stages with their subjects and how many resources `user` may see in each."""
    counts = (
        resource_list_visible(user=user).filter(stage__isnull=False, subject__isnull=False)
        .values("stage_id", "subject_id", "subject__name", "subject__position")
        .annotate(n=Count("id"))
        .order_by("subject__position", "subject__name")
    )
    by_stage = {}
    for row in counts:
        by_stage.setdefault(row["stage_id"], []).append({"id": row["subject_id"], "name": row["subject__name"], "count": row["n"]})
    return [{"stage": stage, "subjects": by_stage.get(stage.pk, [])} for stage in Stage.objects.all()]


def on_chapters_q(chapter_ids):
    """Resources filed under one of `chapter_ids`: as their chapter, or as the same lesson in another edition."""
    chapter_ids = list(chapter_ids)
    also = Resource.also_chapters.through.objects.filter(chapternode_id__in=chapter_ids).values("resource_id")
    return Q(chapter_id__in=chapter_ids) | Q(pk__in=also)


def related_resources(*, resource, user, limit=8):
    """Other resources of the same lesson the reader may see: the same chapter node, in this or another edition,
    and the same lesson in the other versions of the book (新教材/旧教材, 五四/六三 学制), each of those marked with
    its version (`other_version`)."""
    nodes = {resource.chapter_id} if resource.chapter_id else set()
    nodes.update(resource.also_chapters.values_list("pk", flat=True))
    if not nodes and not resource.lesson_title:
        return []
    nodes |= same_lesson_in_other_versions(nodes)
    same = on_chapters_q(nodes) if nodes else Q(lesson_title=resource.lesson_title, subject_id=resource.subject_id)
    related = list(
        resource_list_visible(user=user).filter(same).exclude(pk=resource.pk)
        .select_related("grade", "subject", "textbook__edition").order_by("-use_count", "-created_at")[:limit]
    )
    own = resource.textbook if resource.textbook_id else None
    for item in related:
        book = item.textbook
        if own is not None and book is not None and book.pk != own.pk:
            edition = book.edition.name if book.edition_id != own.edition_id else ""
            item.other_version = " · ".join(part for part in (edition, textbook_note(book)) if part)
    return related


# Browse: 学段 → 学科 → 版本 → 册 → 章节. Every count goes through resource_list_visible, so a resource shared with
# one school is counted for that school's teachers only. A resource belongs to a book through its `textbook` and to
# a chapter through its `chapter`; `also_chapters` (the same lesson in another edition) adds it to those chapters
# and their books too, counted once wherever both would apply.


def textbook_label(textbook):
    """How a book is named among its edition's books: 三年级 上册, 必修 第一册, 七年级 全一册."""
    grade = textbook.grade.name if textbook.grade_id else textbook.grade_label
    return " ".join(part for part in (grade, textbook.volume.name) if part)


def textbook_note(textbook):
    """What tells two books of one edition, grade and volume apart: 新教材/旧教材, 五四学制."""
    parts = [textbook.curriculum] if textbook.curriculum else []
    if textbook.school_system == Textbook.SchoolSystem.FIVE_FOUR:
        parts.append("五四学制")
    return " · ".join(parts)


def browse_stages(*, user=None):
    """browse_tree, plus the subjects that have textbooks but no resource yet (count 0): teachers look for
    their book before anyone has shared for it. Each stage gets its `total`."""
    tree = browse_tree(user=user)
    with_books = {}
    for stage_id, subject_id in Textbook.objects.order_by().values_list("stage_id", "subject_id").distinct():
        with_books.setdefault(stage_id, set()).add(subject_id)
    subjects = {s.pk: s for s in Subject.objects.all()}
    for item in tree:
        listed = {entry["id"] for entry in item["subjects"]}
        for subject_id in with_books.get(item["stage"].pk, ()):
            if subject_id not in listed:
                item["subjects"].append({"id": subject_id, "name": subjects[subject_id].name, "count": 0})
        for entry in item["subjects"]:
            entry["has_books"] = entry["id"] in with_books.get(item["stage"].pk, ())
        item["subjects"].sort(key=lambda e: (subjects[e["id"]].position, subjects[e["id"]].name) if e["id"] in subjects else (0, ""))
        item["total"] = sum(entry["count"] for entry in item["subjects"])
    return tree


def _book_group_counts(*, user, textbook_ids, key):
    """Visible resources per group of books, each resource once per group: `key` is the Textbook field that
    groups ("id" per book, "edition_id" per edition). Two grouped queries, whatever the number of books."""
    ids = list(textbook_ids)
    if not ids:
        return {}
    visible = resource_list_visible(user=user)
    counts = Counter(dict(
        visible.filter(textbook_id__in=ids).order_by().values_list(f"textbook__{key}").annotate(n=Count("id"))
    ))
    # also_chapters in these books, unless the resource's own book already counts it in the same group.
    also = (
        Resource.also_chapters.through.objects
        .filter(resource__in=visible.values("pk"), chapternode__textbook_id__in=ids)
        .exclude(resource__textbook_id__in=ids, **{f"resource__textbook__{key}": F(f"chapternode__textbook__{key}")})
        .order_by().values_list(f"chapternode__textbook__{key}").annotate(n=Count("resource_id", distinct=True))
    )
    counts.update(dict(also))
    return dict(counts)


def textbook_resource_counts(*, user, textbook_ids):
    """{textbook id: visible resources in that book (its own, plus other editions' through also_chapters)}."""
    return _book_group_counts(user=user, textbook_ids=textbook_ids, key="id")


def browse_editions(*, user, stage, subject):
    """The editions with textbooks for `stage` and `subject`, each with its books and their counts:
    [{"edition", "count", "books": [{"textbook", "label", "note", "count"}]}], editions with most resources first.
    Books without resources are listed too (count 0)."""
    books = list(Textbook.objects.filter(stage=stage, subject=subject).select_related("edition", "grade", "volume"))
    ids = [book.pk for book in books]
    per_book = textbook_resource_counts(user=user, textbook_ids=ids)
    per_edition = _book_group_counts(user=user, textbook_ids=ids, key="edition_id")
    editions = {}
    for book in sorted(books, key=lambda b: (
        b.grade.position if b.grade_id else 999, b.grade_label, b.volume.position, b.school_system, b.curriculum != "新教材", b.pk
    )):
        entry = editions.setdefault(book.edition_id, {"edition": book.edition, "count": per_edition.get(book.edition_id, 0), "books": []})
        entry["books"].append(
            {"textbook": book, "label": textbook_label(book), "note": textbook_note(book), "count": per_book.get(book.pk, 0)}
        )
    for entry in editions.values():
        entry["empty_books"] = sum(1 for book in entry["books"] if not book["count"])
    return sorted(editions.values(), key=lambda e: (-e["count"], e["edition"].name))


class ChapterTree:
    """A book's chapter nodes with visible-resource counts that include each node's subtree."""

    def __init__(self, nodes, counts):
        self.nodes = {node.pk: node for node in nodes}
        self.counts = counts
        self.children = {}
        for node in sorted(nodes, key=lambda n: (n.position, n.pk)):
            parent = node.parent_id if node.parent_id in self.nodes else None
            self.children.setdefault(parent, []).append(node)

    def count(self, node_id):
        return self.counts.get(node_id, 0)

    def lineage(self, node_id):
        """The node's ancestors and the node itself, root first."""
        line, seen = [], set()
        while node_id in self.nodes and node_id not in seen:
            seen.add(node_id)
            line.append(self.nodes[node_id])
            node_id = self.nodes[node_id].parent_id
        return line[::-1]

    def subtree_ids(self, node_id):
        ids, todo = [], [node_id]
        while todo:
            current = todo.pop()
            if current in ids:
                continue
            ids.append(current)
            todo.extend(child.pk for child in self.children.get(current, ()))
        return ids

    def branch(self, parent_id=None):
        """Nested [{"node", "count", "children": [...]}] under `parent_id` (the roots by default)."""
        return [
            {"node": node, "count": self.count(node.pk), "children": self.branch(node.pk)}
            for node in self.children.get(parent_id, ())
        ]


def chapter_tree(*, user, textbook):
    """The chapter tree of `textbook` with counts rolled up to every ancestor, in three queries: the nodes,
    visible resources per own chapter, and the visible (resource, also-chapter) pairs in this book."""
    nodes = list(ChapterNode.objects.filter(textbook=textbook).only("id", "parent", "title", "kind", "depth", "position", "textbook"))
    parents = {node.pk: node.parent_id for node in nodes}

    def up(node_id):
        seen = []
        while node_id in parents and node_id not in seen:
            seen.append(node_id)
            node_id = parents[node_id]
        return seen

    counts = {}
    visible = resource_list_visible(user=user)
    direct = visible.filter(chapter_id__in=list(parents)).order_by().values_list("chapter_id").annotate(n=Count("id"))
    for chapter_id, n in direct:  # one chapter per resource: summing up the tree counts each once
        for node_id in up(chapter_id):
            counts[node_id] = counts.get(node_id, 0) + n
    also = {}
    pairs = Resource.also_chapters.through.objects.filter(
        resource__in=visible.values("pk"), chapternode_id__in=list(parents)
    ).values_list("resource_id", "chapternode_id", "resource__chapter_id")
    for resource_id, node_id, own_chapter_id in pairs:
        reached, own = also.setdefault(resource_id, (set(), set(up(own_chapter_id))))
        reached.update(up(node_id))
    for reached, own in also.values():
        for node_id in reached - own:
            counts[node_id] = counts.get(node_id, 0) + 1
    return ChapterTree(nodes, counts)


def chapter_resource_list(*, user, chapter_ids):
    """Visible resources whose chapter, or one of whose also_chapters, is among `chapter_ids`; newest first."""
    return (
        resource_list_visible(user=user)
        .filter(on_chapters_q(chapter_ids))
        .select_related("stage", "grade", "subject")
        .order_by("-created_at", "-id")
    )


def _in_book_order(tree, node_id):
    """The node and its subtree, in the book's order (preorder by position)."""
    order, todo = [], [node_id]
    while todo:
        current = todo.pop()
        order.append(current)
        todo.extend(reversed([child.pk for child in tree.children.get(current, ())]))
    return order


def _lesson_of(tree, node_id, top_id):
    """The lesson (课) a node belongs to, within the subtree of `top_id`: the nearest lesson among the node and its
    ancestors up to `top_id`; a node under no lesson stands for itself."""
    current = node_id
    while current in tree.nodes:
        if tree.nodes[current].kind == ChapterNode.Kind.LESSON:
            return current
        if current == top_id:
            break
        current = tree.nodes[current].parent_id
    return node_id


def chapter_lesson_cards(*, user, tree, chapter, resource_type=""):
    """The visible resources of `chapter`'s subtree as one card per lesson (课), in the book's order: [{"node",
    "types": [{"type", "label", "resources": [...]}], "count"}], each type's resources newest first, and the counts
    per type over the whole chapter (for its filter) as [(type, label, n)]. Two queries."""
    order = _in_book_order(tree, chapter.pk)
    in_subtree = set(order)
    resources = list(chapter_resource_list(user=user, chapter_ids=order).select_related(None)
                     .only("id", "title", "resource_type", "duration_s", "chapter_id", "created_at"))
    also = {}
    for resource_id, node_id in Resource.also_chapters.through.objects.filter(
            resource_id__in=[r.pk for r in resources], chapternode_id__in=order).values_list(
            "resource_id", "chapternode_id"):
        also.setdefault(resource_id, node_id)
    type_counts, cards = {}, {}
    labels = dict(ResourceType.choices)
    for resource in resources:
        type_counts[resource.resource_type] = type_counts.get(resource.resource_type, 0) + 1
        if resource_type and resource.resource_type != resource_type:
            continue
        node_id = resource.chapter_id if resource.chapter_id in in_subtree else also.get(resource.pk)
        if node_id is None:
            continue
        lesson = _lesson_of(tree, node_id, chapter.pk)
        card = cards.setdefault(lesson, {})
        card.setdefault(resource.resource_type, []).append(resource)
    position = {node_id: index for index, node_id in enumerate(order)}
    type_order = {value: index for index, value in enumerate(ResourceType.values)}
    result = []
    for lesson in sorted(cards, key=lambda node_id: position.get(node_id, len(order))):
        types = [{"type": kind, "label": labels.get(kind, kind), "resources": items}
                 for kind, items in sorted(cards[lesson].items(), key=lambda item: type_order.get(item[0], 99))]
        result.append({"node": tree.nodes[lesson], "types": types, "count": sum(len(t["resources"]) for t in types)})
    counts = [(kind, labels.get(kind, kind), n) for kind, n in
              sorted(type_counts.items(), key=lambda item: type_order.get(item[0], 99))]
    return result, counts


def _stage_q(value, prefix="stage"):
    value = str(value or "").strip()
    if not value:
        return Q()
    if value.isdigit():
        return Q(**{f"{prefix}_id": as_id(value)}) if as_id(value) is not None else Q(pk__in=[])
    return Q(**{f"{prefix}__code": value}) | Q(**{f"{prefix}__name": value})


def _named_q(value, prefix):
    value = str(value or "").strip()
    if not value:
        return Q()
    if value.isdigit():
        return Q(**{f"{prefix}_id": as_id(value)}) if as_id(value) is not None else Q(pk__in=[])
    return Q(**{f"{prefix}__name": value})


def textbook_list(*, stage=None, subject=None, edition=None):
    """Books for the upload form's selects; `stage` by id, code or name, `subject` and `edition` by id or name."""
    return (
        Textbook.objects.filter(_stage_q(stage), _named_q(subject, "subject"), _named_q(edition, "edition"))
        .select_related("stage", "subject", "edition", "grade", "volume")
    )


CHAPTER_SEARCH_MAX = 20


def chapter_matches(*, query, textbook=None, stage=None, subject=None, school_id=None):
    """Chapter nodes whose path holds every word of `query` and whose title holds one of them (so 第二单元 古诗
    works), best first: titles that start with the text (after a lesson number such as “4 ” or “*”), then
    lessons, then titles that contain it, then the national order of books, the print schools teach now first.
    No words: none. A queryset, for the upload form's picker and the admin's chapter chooser to page."""
    words = str(query or "").split()
    if not words:
        return ChapterNode.objects.none()
    text = " ".join(words)
    nodes = ChapterNode.objects.all()
    in_title = Q()
    for word in words:
        nodes = nodes.filter(path__icontains=word)
        in_title |= Q(title__icontains=word)
    nodes = nodes.filter(in_title)  # not every lesson of a unit whose title has the word
    textbook = str(textbook or "").strip()
    if textbook.isdigit():
        nodes = nodes.filter(textbook_id=as_id(textbook)) if as_id(textbook) is not None else nodes.none()
    nodes = nodes.filter(_stage_q(stage, "textbook__stage"), _named_q(subject, "textbook__subject"))
    starts = Q(title__startswith=text) | Q(title__iregex=r"^[0-9*＊\s]+" + re.escape(text))
    ranked = nodes.annotate(
        starts=Case(When(starts, then=Value(0)), default=Value(1), output_field=IntegerField()),
        lesson=Case(When(kind=ChapterNode.Kind.LESSON, then=Value(0)), default=Value(1), output_field=IntegerField()),
        in_title=Case(When(title__icontains=text, then=Value(0)), default=Value(1), output_field=IntegerField()),
    )
    order = list(CHAPTER_BOOK_ORDER)
    if school_id:
        # Of the versions of one book, first the one this school's teachers file most resources under.
        used = (Resource.objects.filter(textbook=OuterRef("textbook_id"), school_id=school_id).order_by()
                .values("textbook").annotate(n=Count("pk")).values("n"))
        ranked = ranked.annotate(school_use=Coalesce(Subquery(used, output_field=IntegerField()), Value(0)))
        order.insert(order.index("textbook__volume__position") + 1, "-school_use")
    return ranked.order_by("starts", "lesson", "in_title", *order).select_related(*CHAPTER_BOOK_RELATED)


# Chapters in the national order of their books; of the versions of one book, the one schools teach now first:
# 新教材, then the 6+3 system.
CHAPTER_BOOK_RELATED = ("textbook__stage", "textbook__subject", "textbook__edition", "textbook__grade",
                        "textbook__volume")
CHAPTER_BOOK_ORDER = (
    "textbook__stage__position", "textbook__grade__position", "textbook__subject__position", "textbook__edition__name",
    "textbook__volume__position", Case(When(textbook__curriculum="新教材", then=Value(0)), default=Value(1)),
    Case(When(textbook__school_system=Textbook.SchoolSystem.FIVE_FOUR, then=Value(1)), default=Value(0)),
    "textbook_id", "depth", "position",
)


def chapter_search(*, query, textbook=None, stage=None, subject=None, limit=CHAPTER_SEARCH_MAX, school_id=None):
    """chapter_matches as the chapter picker's JSON, at most CHAPTER_SEARCH_MAX. Chapters hold no resources;
    only the order depends on who asks (`school_id`: the version their school uses most first)."""
    limit = max(1, min(int(limit or CHAPTER_SEARCH_MAX), CHAPTER_SEARCH_MAX))
    nodes = chapter_matches(query=query, textbook=textbook, stage=stage, subject=subject, school_id=school_id)
    return [
        {
            "id": node.pk,
            "title": node.title,
            "path": chapter_path(node),
            "kind": node.kind,
            "textbook": textbook_summary(node.textbook),
        }
        for node in nodes[:limit]
    ]


def chapter_path(node):
    """A chapter's titles from its book's root down to it."""
    return node.path.split(" > ") if node.path else [node.title]


def book_name(textbook):
    """A book as the chapter picker names it: 统编版 三年级 上册（新教材）; two prints of one book look alike
    otherwise (site/static/js/chapter-picker.js does the same with the JSON)."""
    name = " ".join(part for part in (textbook.edition.name, textbook_label(textbook)) if part)
    note = textbook_note(textbook)
    return f"{name}（{note}）" if note else name


def textbook_name(textbook):
    """A book with its stage and subject, as the admin's choosers name it: 小学语文 统编版 三年级 上册（新教材）."""
    return f"{textbook.stage.name}{textbook.subject.name} {book_name(textbook)}"


def _textbook_names_q(word):
    """Books whose vocabulary names, each found in `word` (longest first), make up all of it; else none."""
    rest, names = word, Q()
    for model, prefix in ((Stage, "stage"), (Subject, "subject"), (Grade, "grade"), (Volume, "volume"),
                          (Edition, "edition")):
        for name in sorted(model.objects.values_list("name", flat=True), key=len, reverse=True):
            if name and name in rest:
                names &= Q(**{f"{prefix}__name": name})
                rest = rest.replace(name, " ", 1)
                break
    return names if names and not rest.strip() else Q(pk__in=[])


def chapter_name(node):
    """A chapter with its book and path: 小学语文 统编版 三年级 上册（新教材） › 第七单元 › 21 古诗三首."""
    return " › ".join([textbook_name(node.textbook), *chapter_path(node)])


def textbook_matches(*, query):
    """Books matching every word of `query`, in the national order (the print schools teach now first); no
    words: every book. A word matches a book whose title, edition, subject or grade holds it, or whose
    学段/学科/年级/册/版本 are the names it is made of: 语文三年级上册 finds 小学语文统编版三年级上册 too."""
    books = Textbook.objects.select_related("stage", "subject", "edition", "grade", "volume")
    for word in str(query or "").split():
        books = books.filter(Q(title__icontains=word) | Q(edition__name__icontains=word)
                             | Q(subject__name__icontains=word) | Q(grade_label__icontains=word)
                             | _textbook_names_q(word))
    return books.order_by(
        "stage__position", "grade__position", "subject__position", "edition__name", "volume__position",
        Case(When(curriculum="新教材", then=Value(0)), default=Value(1)),
        Case(When(school_system=Textbook.SchoolSystem.FIVE_FOUR, then=Value(1)), default=Value(0)), "pk",
    )


def textbook_summary(textbook):
    """A book as the JSON APIs give it."""
    return {
        "id": textbook.pk,
        "title": textbook.title,
        "label": textbook_label(textbook),
        "note": textbook_note(textbook),
        "edition": textbook.edition.name,
        "grade": textbook.grade.name if textbook.grade_id else textbook.grade_label,
        "volume": textbook.volume.name,
        "subject": textbook.subject.name,
        "stage": textbook.stage.name,
    }
