"""What a teacher gets from search, asserted identically on the database backend and on Elasticsearch."""
from django.contrib.auth.models import AnonymousUser

from resources.models import Resource
from search.selectors import SearchParams, resource_search, resource_suggest


def search(backend, q="", user=None, **kwargs):
    params = SearchParams(q=q, **kwargs)
    return resource_search(user=user or AnonymousUser(), params=params, backend=backend.impl)


def ext_ids(result):
    return [r["external_id"] for r in result.results]


def test_type_word_puts_that_type_first_and_keeps_the_lesson(backend, corpus):
    result = search(backend, "背影 微课")
    ids = ext_ids(result)
    assert ids[0] == "t:bei_ml"
    # the other public resources of the lesson follow; nothing private, nothing unrelated
    assert set(ids) == {"t:bei_ml", "t:bei_cw", "t:bei_lp", "t:bei_ex", "t:bei_ws"}
    assert {"facet": "type", "word": "微课", "value": "micro_lesson"} in result.understood


def test_type_synonyms(backend, corpus):
    for query, expected in (
        ("背影 PPT", "t:bei_cw"), ("背影 课件", "t:bei_cw"), ("背影教学设计", "t:bei_lp"), ("背影 教案", "t:bei_lp"),
        ("背影 作业", "t:bei_ex"), ("背影 习题", "t:bei_ex"), ("背影 任务单", "t:bei_ws"), ("背影 学习任务单", "t:bei_ws"),
        ("背影视频", "t:bei_ml"), ("ＰＰＴ 背影", "t:bei_cw"),
    ):
        assert ext_ids(search(backend, query))[0] == expected, query


def test_a_query_of_only_type_words_selects_the_type(backend, corpus):
    result = search(backend, "微课")
    assert result.count == Resource.objects.filter(resource_type="micro_lesson", visibility="public").count()
    assert {r["type"] for r in result.results} == {"micro_lesson"}


def test_grade_and_subject_words_act_like_facets(backend, corpus):
    result = search(backend, "古诗三首 六年级")
    assert ext_ids(result) == ["t:poem6_cw"]
    assert {"facet": "grade", "word": "六年级", "value": "六年级"} in result.understood
    result = search(backend, "八年级 道德与法治 宪法")
    assert ext_ids(result) == ["t:xianfa8"]
    # 初二 is another way to say 八年级
    assert ext_ids(search(backend, "初二 宪法")) == ["t:xianfa8"]


def test_grade_word_that_leaves_nothing_is_relaxed(backend, corpus):
    result = search(backend, "蛟龙 三年级")
    assert result.relaxed
    assert ext_ids(result) == ["t:jiaolong"]


def test_punctuation_and_width_do_not_matter(backend, corpus):
    for query in ("说木叶", "说“木叶”", "说 “木叶” ", "蛟龙探海", "“蛟龙”探海", "蛟龙 探海", "说木叶（第一课时）"):
        ids = ext_ids(search(backend, query))
        assert ids and ids[0] in ("t:muye", "t:jiaolong"), query
    assert ext_ids(search(backend, "说木叶")) == ["t:muye"]


def test_a_piece_finds_the_lesson_that_contains_it(backend, corpus):
    # 山行 is a 篇 of 4 古诗三首 in the chapter tree; neither resource names it.
    ids = ext_ids(search(backend, "山行"))
    assert set(ids) == {"t:poem_cw", "t:poem_lp"}
    assert ext_ids(search(backend, "夜书所见 教案"))[0] == "t:poem_lp"


def test_author_is_searchable(backend, corpus):
    assert ext_ids(search(backend, "叶婉帼")) == ["t:xianfa8"]


def test_full_matches_come_before_partial_ones(backend, corpus):
    result = search(backend, "共筑生命家园")
    ids = ext_ids(result)
    assert ids[0] == "t:life"
    assert "t:life2" in ids  # shares the word 生命
    assert result.partial_from == 1
    assert result.count == len(ids)


def test_facet_counts_are_exact(backend, corpus):
    result = search(backend, "背影")
    public = Resource.objects.filter(lesson_title__contains="背影", visibility="public")
    assert result.count == public.count() == 5
    types = {b["value"]: b["count"] for b in result.facets["type"]}
    assert types == {"micro_lesson": 1, "courseware": 1, "lesson_plan": 1, "exercise": 1, "worksheet": 1}
    assert result.facets["grade"] == [{"value": "八年级", "count": 5}]
    narrowed = search(backend, "背影", filters={"type": ["courseware", "exercise"]})
    assert sorted(ext_ids(narrowed)) == ["t:bei_cw", "t:bei_ex"]
    assert {b["value"]: b["count"] for b in narrowed.facets["type"]} == {"courseware": 1, "exercise": 1}
    everything = search(backend)
    assert everything.count == Resource.objects.filter(visibility="public").count()
    stage_total = sum(b["count"] for b in everything.facets["stage"])
    assert stage_total == everything.count


def test_chapter_filter_covers_the_chapter_and_everything_below(backend, corpus):
    unit = search(backend, filters={"chapter": corpus.unit_node.pk})
    assert set(ext_ids(unit)) == {"t:poem_cw", "t:poem_lp", "t:cement"}
    lesson = search(backend, filters={"chapter": corpus.lesson_node.pk})
    assert set(ext_ids(lesson)) == {"t:poem_cw", "t:poem_lp"}
    chapter_facet = {b["value"]: b for b in unit.facets["chapter"]}
    assert chapter_facet[corpus.lesson_node.pk]["count"] == 2
    assert chapter_facet[corpus.lesson_node.pk]["label"] == "第二单元 > 4 古诗三首"


def test_filters_by_name(backend, corpus):
    result = search(backend, filters={"subject": "道德与法治", "grade": "九年级"})
    assert set(ext_ids(result)) == {"t:xianfa9", "t:life", "t:life2"}


def test_sorts(backend, corpus):
    newest = ext_ids(search(backend, "背影", sort="newest"))
    assert newest == ["t:bei_ws", "t:bei_ex", "t:bei_lp", "t:bei_cw", "t:bei_ml"]  # created in that reverse order
    popular = ext_ids(search(backend, "背影", sort="popular"))
    assert popular[:2] == ["t:bei_ml", "t:bei_cw"]


def test_highlights_mark_the_match(backend, corpus):
    result = search(backend, "说木叶")
    highlight = result.results[0]["highlight"]
    assert "<mark>" in highlight["title"]
    assert highlight["title"].replace("<mark>", "").replace("</mark>", "") == "说“木叶”（第一课时）"
    assert "<mark>（" not in highlight["title"]


def test_pagination(backend, corpus):
    first = search(backend, "背影", page_size=2)
    second = search(backend, "背影", page=2, page_size=2)
    third = search(backend, "背影", page=3, page_size=2)
    assert first.count == second.count == 5
    seen = ext_ids(first) + ext_ids(second) + ext_ids(third)
    assert len(seen) == len(set(seen)) == 5


def test_visibility(backend, corpus):
    def ids_for(user):
        return set(ext_ids(search(backend, "背影", user=user)))

    public = {"t:bei_ml", "t:bei_cw", "t:bei_lp", "t:bei_ex", "t:bei_ws"}
    assert ids_for(None) == public
    assert ids_for(corpus.teacher_b) == public  # another school, not paired
    assert ids_for(corpus.teacher_c) == public | {"t:pairing_a"}  # the paired school
    assert ids_for(corpus.teacher_a) == public | {"t:private_a", "t:school_a", "t:pairing_a"}
    # facets never count what the reader may not see
    result = search(backend, "背影", user=corpus.teacher_b)
    assert sum(b["count"] for b in result.facets["type"]) == 5
    # nor do suggestions
    assert not any("私密" in s for s in resource_suggest(user=corpus.teacher_b, prefix="背影", backend=backend.impl))


def test_hostile_query_text_is_just_text(backend, corpus):
    for query in ('"背影" OR *', "背影' & !( :*", "NEAR(背影 微课)", "背影 AND NOT", "\\", "*", "'", "：；。", "<script>"):
        result = search(backend, query)
        assert result.count >= 0  # no syntax error reaches the reader
    assert ext_ids(search(backend, '"背影" OR *'))[0].startswith("t:bei")


def test_no_match_is_empty_not_everything(backend, corpus):
    result = search(backend, "量子力学")
    assert result.count == 0 and result.results == []


def test_suggestions(backend, corpus):
    suggestions = resource_suggest(user=AnonymousUser(), prefix="古诗", backend=backend.impl)
    assert "4 古诗三首" in suggestions
    assert len(suggestions) == len(set(suggestions))


def test_a_subject_word_inside_a_title_is_relaxed_when_nothing_matches_in_full(backend, corpus):
    from tests.factories import ResourceFactory

    ResourceFactory(external_id="t:beethoven", title="音乐巨人贝多芬", lesson_title="音乐巨人贝多芬")
    backend.sync()
    from search.query import vocabulary_forget

    vocabulary_forget()
    from resources.models import Subject

    Subject.objects.get_or_create(name="音乐")
    vocabulary_forget()
    result = search(backend, "音乐巨人贝多芬")
    assert ext_ids(result)[0] == "t:beethoven"


def test_invisible_characters_in_a_query_are_ignored(backend, corpus):
    assert ext_ids(search(backend, "❤\ufe0f 说木叶")) == ["t:muye"]
    assert ext_ids(search(backend, "说\u200d木叶")) == ["t:muye"]


def test_the_same_lesson_in_another_edition_is_found_under_both_chapters(backend, corpus):
    from resources.models import ChapterNode, Edition, Resource, Textbook

    book = corpus.lesson_node.textbook
    other = Textbook.objects.create(
        external_id="other-edition", title="另一版本 语文三年级上册", stage=book.stage, grade=book.grade,
        subject=book.subject, edition=Edition.objects.exclude(pk=book.edition_id).first(), volume=book.volume,
    )
    unit = ChapterNode.objects.create(external_id="o-u", textbook=other, title="第三单元", kind="unit", depth=0,
                                      position=1, path="第三单元")
    lesson = ChapterNode.objects.create(external_id="o-l", textbook=other, parent=unit, title="古诗二首", kind="lesson",
                                        depth=1, position=1, path="第三单元 > 古诗二首")
    Resource.objects.get(external_id="t:poem_cw").also_chapters.add(lesson)
    backend.sync()
    assert ext_ids(search(backend, filters={"chapter": unit.pk})) == ["t:poem_cw"]
    assert set(ext_ids(search(backend, filters={"chapter": corpus.lesson_node.pk}))) == {"t:poem_cw", "t:poem_lp"}
