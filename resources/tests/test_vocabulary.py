import pytest

from resources.catalogue import chapter_kind
from resources.vocabulary import edition_series, normalize_edition, normalize_grade, normalize_stage, normalize_volume


@pytest.mark.parametrize(
    "raw, expected",
    [("小学", ("小学", "63")), ("初中（五•四学制）", ("初中", "54")), ("小学(五·四学制)", ("小学", "54")), (" 高中 ", ("高中", "63"))],
)
def test_stage(raw, expected):
    assert normalize_stage(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [("三年级", "三年级"), ("高一年级", "高一"), ("高二", "高二"), ("五至六年级", ""), ("中国历史", ""), ("学生读本", "")],
)
def test_grade(raw, expected):
    assert normalize_grade(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("上册", "上册"),
        ("高一下", "高一下册"),
        ("高三上", "高三上册"),
        ("选择性必修第二册", "选择性必修 第二册"),
        ("选择性必修  第一册", "选择性必修 第一册"),
        ("必修 上册", "必修 上册"),
        ("全一册(下)", "全一册（下）"),
    ],
)
def test_volume(raw, expected):
    assert normalize_volume(raw) == expected


def test_edition_brackets_and_series():
    assert normalize_edition("人美版(主编：陶涛)") == "人美版（主编：陶涛）"
    assert normalize_edition("外研社版(主编：张祖春）") == "外研社版（主编：张祖春）"
    assert edition_series("人美版（主编：杨力）") == "人美版"
    assert edition_series("人教版（五线谱）") == "人教版（五线谱）"  # a different book, not an editor note
    assert edition_series("统编版") == "统编版"


@pytest.mark.parametrize(
    "title, depth, parent_kind, lesson_children, expected",
    [
        ("第一单元 坚持宪法至上", 1, None, True, "unit"),
        ("古诗词诵读", 1, None, False, "unit"),
        ("1 古诗三首", 2, "unit", False, "lesson"),
        ("4* 月是故乡明", 2, "unit", False, "lesson"),
        ("第一课 维护宪法权威", 2, "unit", False, "lesson"),
        ("山行", 3, "lesson", False, "piece"),
        ("阅读", 2, "unit", True, "section"),
        ("口语交际：走进他们的童年岁月", 2, "unit", False, "lesson"),
    ],
)
def test_chapter_kind(title, depth, parent_kind, lesson_children, expected):
    assert chapter_kind(title, depth, parent_kind, lesson_children) == expected
