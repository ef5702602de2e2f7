"""Semesters of the Chinese school year (reports/semesters.py), by local date."""
import datetime

import pytest

from reports.exceptions import SemesterCodeError
from reports.semesters import Semester, semester_from_code, semester_list_recent, semester_of


def test_semesters_follow_the_chinese_school_year():
    assert semester_of(datetime.date(2026, 9, 1)) == Semester(2026, "autumn")
    assert semester_of(datetime.date(2027, 1, 31)) == Semester(2026, "autumn")
    assert semester_of(datetime.date(2027, 2, 1)) == Semester(2027, "spring")
    assert semester_of(datetime.date(2027, 8, 31)) == Semester(2027, "spring")
    autumn, spring = semester_from_code("2026-autumn"), semester_from_code("2027-spring")
    assert (autumn.start, autumn.end) == (datetime.date(2026, 9, 1), datetime.date(2027, 1, 31))
    assert (spring.start, spring.end) == (datetime.date(2027, 2, 1), datetime.date(2027, 8, 31))
    assert autumn.label == "2026–2027学年 第一学期" and spring.label == "2026–2027学年 第二学期"
    assert autumn.code == "2026-autumn" and spring.code == "2027-spring"
    assert [s.code for s in semester_list_recent(today=datetime.date(2027, 3, 5), count=3)] == [
        "2027-spring", "2026-autumn", "2026-spring",
    ]
    for bad in ("2026-winter", "26-autumn", "", "2026-autumn; drop table"):
        with pytest.raises(SemesterCodeError):
            semester_from_code(bad)
