"""/research/…: groups, activities, threads (research.views.groups/activities/threads) and the
review, observation, polishing, mentoring and hours pages, each area in its own url module."""
from django.urls import include, path

from .views import activities, groups, showcase, threads

app_name = "research"

urlpatterns = [
    path("", groups.home, name="home"),
    path("search/", groups.search, name="search"),
    path("notifications/", threads.notifications, name="notifications"),
    path("calendar/<str:token>.ics", activities.person_calendar, name="person_calendar"),
    path("groups/<int:group_id>/", groups.group_detail, name="group"),
    path("public/", showcase.showcase, name="showcase"),
    path("public/calendar.ics", showcase.showcase_calendar, name="showcase_calendar"),
    path("groups/<int:group_id>/public/", showcase.group_public, name="group_public"),
    path("groups/<int:group_id>/public/calendar.ics", showcase.group_public_calendar, name="group_public_calendar"),
    path("groups/<int:group_id>/calendar.ics", activities.group_calendar, name="group_calendar"),
    path("groups/<int:group_id>/schedule/", activities.schedule, name="schedule"),
    path("groups/<int:group_id>/threads/new/", threads.thread_new, name="thread_new"),
    path("activities/<int:activity_id>/", activities.activity_detail, name="activity"),
    path("activities/<int:activity_id>/sign-in/", activities.sign_in, name="sign_in"),
    path("activities/<int:activity_id>/edit/", activities.activity_edit, name="activity_edit"),
    path("activities/<int:activity_id>/move/", activities.activity_move, name="activity_move"),
    path("activities/<int:activity_id>/cancel/", activities.activity_cancel, name="activity_cancel"),
    path("threads/<int:thread_id>/", threads.thread_detail, name="thread"),
    path("threads/<int:thread_id>/post/", threads.post_new, name="post_new"),
    path("attachments/<int:attachment_id>/", threads.attachment_download, name="attachment"),
    # Areas built beside these: each module names its own routes (see the module docstrings).
    path("", include("research.review_urls")),
    path("", include("research.polishing_urls")),
    path("", include("research.hours_urls")),
]
