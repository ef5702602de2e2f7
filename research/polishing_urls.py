"""Routes of the polishing-round (磨课), parallel-lessons (同课异构) and mentoring (师徒结对) pages, in the
"research" namespace. research/group_base.html links research:polishing_list and research:mentoring (each
takes the group's id)."""
from django.urls import path

from .views import mentoring, polishing

urlpatterns = [
    path("groups/<int:group_id>/polishing/", polishing.polishing_list, name="polishing_list"),
    path("groups/<int:group_id>/polishing/new/", polishing.polishing_new, name="polishing_new"),
    path("groups/<int:group_id>/parallel/new/", polishing.parallel_new, name="parallel_new"),
    path("polishing/<int:record_id>/", polishing.polishing_detail, name="polishing"),
    path("polishing/<int:record_id>/rounds/<int:number>/", polishing.polishing_round, name="polishing_round"),
    path("polishing/<int:record_id>/rounds/new/", polishing.polishing_round_new, name="polishing_round_new"),
    path("polishing/rounds/<int:round_id>/edit/", polishing.polishing_round_edit, name="polishing_round_edit"),
    path("polishing/rounds/<int:round_id>/points/", polishing.point_new, name="point_new"),
    path("polishing/points/<int:point_id>/resolve/", polishing.point_resolve, name="point_resolve"),
    path("polishing/points/<int:point_id>/reopen/", polishing.point_reopen, name="point_reopen"),
    path("parallel/<int:parallel_id>/", polishing.parallel_detail, name="parallel"),
    path("groups/<int:group_id>/mentoring/", mentoring.mentoring, name="mentoring"),
    path("groups/<int:group_id>/mentoring/new/", mentoring.mentorship_new, name="mentorship_new"),
    path("mentorships/<int:mentorship_id>/", mentoring.mentorship, name="mentorship"),
    path("mentorships/<int:mentorship_id>/guidance/", mentoring.guidance_new, name="guidance_new"),
    path("mentorships/<int:mentorship_id>/apprentices/", mentoring.apprentice_add, name="apprentice_add"),
]
