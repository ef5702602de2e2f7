"""The national vocabulary that seeds the taxonomy, and the rules that normalise catalogue labels.

Sources: the 2022 compulsory-education curriculum plan (义务教育课程方案) and the 2017/2020
senior-high plan (普通高中课程方案) for stages, grades and subjects; volumes and editions as the
national textbook catalogue spells them.
"""
import re
import unicodedata

# (code, label, order). 五四学制 is kept on the textbook, not as separate stages.
STAGES = [
    ("primary", "小学", 1),
    ("junior", "初中", 2),
    ("senior", "高中", 3),
]

# (label, stage code, order)
GRADES = [
    ("一年级", "primary", 1),
    ("二年级", "primary", 2),
    ("三年级", "primary", 3),
    ("四年级", "primary", 4),
    ("五年级", "primary", 5),
    ("六年级", "primary", 6),
    ("七年级", "junior", 7),
    ("八年级", "junior", 8),
    ("九年级", "junior", 9),
    ("高一", "senior", 10),
    ("高二", "senior", 11),
    ("高三", "senior", 12),
]

SUBJECTS = [
    "语文", "数学", "英语", "日语", "俄语", "德语", "法语", "西班牙语",
    "道德与法治", "思想政治", "历史", "地理", "科学", "物理", "化学", "生物学",
    "信息科技", "信息技术", "通用技术", "体育与健康", "艺术", "艺术·音乐", "艺术·美术",
    "艺术·舞蹈/影视/戏剧", "音乐", "美术", "劳动", "劳动与技术", "综合实践活动", "语文·书法练习指导",
]

VOLUMES = ["上册", "下册", "全一册", "必修 第一册", "必修 第二册", "必修 第三册", "选择性必修 第一册",
           "选择性必修 第二册", "选择性必修 第三册", "选择性必修 第四册"]

EDITIONS = ["统编版", "人教版", "北师大版", "苏教版", "沪教版", "外研社版", "译林版", "湘教版", "冀教版",
            "青岛版", "教科版", "鲁教版", "浙教版", "北京版", "人美版", "人音版", "粤教版"]

SCHOOL_SYSTEM_63 = "63"
SCHOOL_SYSTEM_54 = "54"

_SPACES = re.compile(r"\s+")
_GRADE_SUFFIX = re.compile(r"^(高[一二三])年级$")
_SHORT_VOLUME = re.compile(r"^(高[一二三])([上下])$")
_SPACED_VOLUME = re.compile(r"^(必修|选择性必修)\s*(第[一二三四五六七八九十]+册|[上中下]册)$")
_STAGE_54 = re.compile(r"^(小学|初中)[（(]五[•·.・]?四学制[)）]$")


def clean_label(value):
    """One spelling for a label: NFC, full-width brackets, single spaces, no edge spaces."""
    value = unicodedata.normalize("NFC", str(value or ""))
    value = value.replace("(", "（").replace(")", "）").replace("\u3000", " ")
    return _SPACES.sub(" ", value).strip()


def normalize_stage(label):
    """Return (stage label, school system) for a catalogue 学段 such as 初中（五•四学制）."""
    label = clean_label(label)
    match = _STAGE_54.match(label)
    if match:
        return match.group(1), SCHOOL_SYSTEM_54
    return label, SCHOOL_SYSTEM_63


def normalize_grade(label):
    """Return a grade label from GRADES, or "" for labels that are not one grade (五至六年级, 中国历史)."""
    label = clean_label(label)
    match = _GRADE_SUFFIX.match(label)
    if match:
        label = match.group(1)
    return label if label in GRADE_LABELS else ""


def normalize_volume(label):
    label = clean_label(label)
    match = _SHORT_VOLUME.match(label)
    if match:
        return f"{match.group(1)}{match.group(2)}册"
    match = _SPACED_VOLUME.match(label)
    if match:
        return f"{match.group(1)} {match.group(2)}"
    return label


def normalize_edition(label):
    return clean_label(label)


_EDITOR = re.compile(r"（主编：[^）]*）")


def edition_series(label):
    """The publisher's edition without the editor note: 人美版（主编：杨力） -> 人美版."""
    return _EDITOR.sub("", clean_label(label)).strip() or clean_label(label)


GRADE_LABELS = {label for label, _stage, _order in GRADES}
STAGE_LABELS = {label for _code, label, _order in STAGES}
