"""Demo teaching research for `make run`: the demo group gets a weekly 集体备课 series around today
(past dates signed in, one moved, one cancelled, minutes on the public page), a thread with a
mention, a mentorship with a guidance log and an observation record. Safe to run twice."""
import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from research.models import (
    ActivityKind,
    ActivitySeries,
    Apprenticeship,
    GuidanceLog,
    Mentorship,
    ObservationRecord,
    ObservationScale,
    ObservationScore,
    ResearchGroup,
    SignIn,
)
from research.services.activities import (
    activity_cancel,
    activity_create,
    activity_move,
    activity_update,
    series_create,
)
from research.services.threads import post_create, thread_create

from .lessons import REVIEWED_AT

GROUP_NAME = "三年级语文联合教研组"


@transaction.atomic
def research_demo_load(log=print):
    group = ResearchGroup.objects.filter(name=GROUP_NAME).first()
    if group is None or ActivitySeries.objects.filter(group=group).exists():
        return
    leader, member, expert = (User.objects.get(username=name) for name in ("liwei", "zhangfang", "wangjing"))
    today = timezone.localdate()
    wednesday = today - datetime.timedelta(days=(today.weekday() - 2) % 7)
    series = series_create(
        group=group, user=leader, title="三年级语文集体备课", kind=ActivityKind.COLLECTIVE_PREP, frequency="weekly",
        starts_on=wednesday - datetime.timedelta(weeks=4), until=wednesday + datetime.timedelta(weeks=8),
        start_time=datetime.time(14, 30), duration_minutes=90, location="城区实验小学 三楼会议室 / 线上",
        agenda="1. 第三单元说课\n2. 评课：《秋天的雨》\n3. 下周分工",
    )
    occurrences = list(series.activities.order_by("starts_at"))
    past = [a for a in occurrences if a.ends_at < timezone.now()]
    for activity in past:
        for user in (leader, member, expert):
            SignIn.objects.get_or_create(activity=activity, user=user)
    if past:
        activity_update(activity=past[-1], user=leader, is_published=True,
                        minutes="<p>统一了第三单元的教学目标；《秋天的雨》第二次试讲定在下周。</p>")
    future = [a for a in occurrences if a.starts_at > timezone.now()]
    if len(future) >= 3:
        activity_move(activity=future[1], user=leader, starts_at=future[1].starts_at + datetime.timedelta(days=1),
                      note="与期中考试冲突，顺延一天")
        activity_cancel(activity=future[2], user=leader, note="国家法定假日")
    _demonstrations(group=group, leader=leader, today=today)
    thread = thread_create(group=group, author=leader, title="《秋天的雨》第二次试讲安排",
                           body="下周三第二节课试讲，@张芳 准备课件，@王静 老师线上评课。")
    post_create(thread=thread, author=member, body="收到！课件周一前上传到资源库。")
    mentorship = Mentorship.objects.create(mentor=expert, group=group, starts_on=today.replace(day=1) - datetime.timedelta(days=60),
                                           goals="一学期内独立完成一节区级公开课；每月听课不少于四节。")
    Apprenticeship.objects.create(mentorship=mentorship, apprentice=member, is_direct=True)
    GuidanceLog.objects.create(mentorship=mentorship, month=today.replace(day=1), author=expert, apprentice=member,
                               content="线上听《秋天的雨》试讲并逐段点评；布置阅读《课堂观察：走向专业的听评课》第二章。")
    scale = ObservationScale.objects.filter(is_default=True).first()
    if scale is not None:
        for days_ago, base in ((50, 3), (20, 4)):
            record = ObservationRecord.objects.create(
                observer=expert, teacher=member, group=group, scale=scale, lesson_title="秋天的雨",
                observed_on=today - datetime.timedelta(days=days_ago), submitted_at=timezone.now(),
                notes="朗读指导细致，小组讨论时间偏长。")
            ObservationScore.objects.bulk_create(
                ObservationScore(record=record, point=point, score=min(point.max_score, base + (i % 2)))
                for i, point in enumerate(scale.points.all())
            )
    log(f"教研 research: {len(occurrences) + 2} activities (2 on the public page's showcase), 1 thread, 1 mentorship")


def _demonstrations(*, group, leader, today):
    """Two 示范课 on the group's public page: one held (minutes; the demo lesson is its recording once made,
    demo/lessons.py) and one to come (place and agenda)."""
    zone = timezone.get_current_timezone()
    for days, title, agenda, minutes in (
        (-10, REVIEWED_AT, "1. 示范课（李伟）\n2. 乡村中心小学教师说课\n3. 集体评课",
         "<p>两校 26 位教师参加。示范课突出朗读的停顿与重音；课后评课建议：先让学生试读，再出示停顿标记。"
         "课堂录像已发布到资源库。</p>"),
        (9, "城乡联合示范课：《古诗三首》", "1. 示范课：《山行》（李伟）\n2. 说课：乡村中心小学\n3. 评课与下次分工", ""),
    ):
        day = today + datetime.timedelta(days=days)
        starts = datetime.datetime.combine(day, datetime.time(9, 50), tzinfo=zone)
        activity = activity_create(
            group=group, user=leader, title=title, kind=ActivityKind.DEMONSTRATION, starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=80), location="乡村中心小学 多媒体教室（同步直播）",
            agenda=agenda, presenters=[leader])
        activity_update(activity=activity, user=leader, is_published=True, minutes=minutes or None)
