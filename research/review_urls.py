"""Routes of the lesson-review (评课) and observation-record (听课记录) pages, in the "research" namespace.
research/group_base.html links research:reviews and research:observations (each takes the group's id)."""
from django.urls import path

from .views import observations, reviews

urlpatterns = [
    path("groups/<int:group_id>/reviews/", reviews.review_list, name="reviews"),
    path("groups/<int:group_id>/reviews/new/", reviews.review_new, name="review_new"),
    path("reviews/<int:review_id>/", reviews.review_detail, name="review"),
    path("reviews/<int:review_id>/comments/", reviews.review_comments, name="review_comments"),
    path("reviews/<int:review_id>/score/", reviews.review_score, name="review_score"),
    path("reviews/<int:review_id>/scores.json", reviews.review_scores, name="review_scores"),
    path("groups/<int:group_id>/observations/", observations.observation_list, name="observations"),
    path("groups/<int:group_id>/observations/new/", observations.observation_new, name="observation_new"),
    path("observations/<int:record_id>/", observations.observation_detail, name="observation"),
    path("observations/<int:record_id>/edit/", observations.observation_edit, name="observation_edit"),
]
