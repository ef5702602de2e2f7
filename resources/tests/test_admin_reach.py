"""A school admin's Wagtail admin reaches their own school's resources only: every URL of the resource snippet and
its chooser, and the site-history and workflow reports, refuse or leave out another school's resources (of any
visibility), while the admin's own school's work as before."""
import re

import pytest
from django.urls import get_resolver, reverse
from wagtail.log_actions import log
from wagtail.models import TaskState, WorkflowState

from accounts.models import User
from resources.models import Resource
from resources.services import resource_submit_for_moderation
from tests.factories import ResourceFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db
NAMESPACES = ("wagtailsnippets_resources_resource", "wagtailsnippetchoosers_resources_resource")


@pytest.fixture
def schools():
    mine, theirs = SchoolFactory(name="城区实验小学"), SchoolFactory(name="远方小学")
    admin = UserFactory(username="admin-mine", role=User.Role.SCHOOL_ADMIN, school=mine, is_staff=True)
    their_teacher = UserFactory(username="their-teacher", school=theirs)
    their = {}
    for visibility in Resource.Visibility:
        resource = ResourceFactory(title=f"远方秘密{visibility.value}", visibility=visibility, school=theirs,
                                   uploaded_by=their_teacher, live=True)
        resource.save_revision(user=their_teacher, log_action=True)
        log(resource, "wagtail.edit", user=their_teacher)
        their[visibility.value] = resource
    resource_submit_for_moderation(resource=their["school"], user=their_teacher)
    own = ResourceFactory(title="本校课件甲", visibility="school", school=mine, uploaded_by=admin, live=True)
    own.save_revision(user=admin, log_action=True)
    resource_submit_for_moderation(resource=own, user=admin)
    return {"admin": admin, "their": their, "own": own}


def resource_urls(resource):
    """Every URL of the resource snippet and its chooser, filled in for `resource`."""
    task_state = TaskState.objects.filter(workflow_state__object_id=str(resource.pk)).first()
    workflow_state = WorkflowState.objects.filter(object_id=str(resource.pk)).first()
    revision = resource.latest_revision
    values = {"pk": resource.pk, "revision_id": revision.pk if revision else 1, "revision_id_a": "earliest",
              "revision_id_b": "latest", "action_name": "approve", "task_state_id": task_state.pk if task_state else 1,
              "workflow_state_id": workflow_state.pk if workflow_state else 1}
    urls = {}
    for namespace in NAMESPACES:
        for name, patterns in get_resolver().namespace_dict[namespace][1].reverse_dict.items():
            if not isinstance(name, str):
                continue
            params = patterns[0][0][1]
            if "pk" not in params:
                continue
            urls[f"{namespace}:{name}"] = reverse(f"{namespace}:{name}", kwargs={p: values[p] for p in params})
    return urls


def test_every_url_of_another_schools_resource_is_refused(client, schools):
    client.force_login(schools["admin"])
    checked = 0
    for visibility, resource in schools["their"].items():
        urls = resource_urls(resource)
        assert {"history", "usage", "revisions_compare", "unpublish", "workflow_history", "chosen", "edit",
                "copy", "lock", "revisions_revert"} <= {u.split(":")[1] for u in urls}, urls
        for name, url in urls.items():
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                # refused: 403/404/405, or Wagtail's way, back to the dashboard with "no permission"
                refused = response.status_code in (403, 404, 405) or (
                    response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home"))
                assert refused, (visibility, name, method, response.status_code)
                assert resource.title not in response.content.decode(), (name, method)
                checked += 1
        resource.refresh_from_db()
        assert resource.live and not resource.locked, "a refused unpublish or lock changed nothing"
    assert checked > 60


def test_another_schools_resources_are_missing_from_lists_choosers_and_reports(client, schools):
    client.force_login(schools["admin"])
    their_ids = [r.pk for r in schools["their"].values()]
    pages = [
        reverse("wagtailsnippets_resources_resource:list"),
        reverse("wagtailsnippets_resources_resource:list_results") + "?q=远方",
        reverse("wagtailsnippetchoosers_resources_resource:choose"),
        reverse("wagtailsnippetchoosers_resources_resource:choose_results") + "?q=远方",
        reverse("wagtailsnippetchoosers_resources_resource:choose_results") + "?q=秘密",
        reverse("wagtailsnippetchoosers_resources_resource:chosen_multiple") + "?" + "&".join(f"id={i}" for i in their_ids),
        reverse("wagtailadmin_reports:site_history"),
        reverse("wagtailadmin_reports:site_history_results"),
        reverse("wagtailadmin_reports:site_history") + "?export=csv",
        reverse("wagtailadmin_reports:workflow"),
        reverse("wagtailadmin_reports:workflow_results"),
        reverse("wagtailadmin_reports:workflow_tasks"),
        reverse("wagtailadmin_reports:workflow_tasks_results"),
        reverse("wagtailadmin_home"),
    ]
    seen_own = 0
    for url in pages:
        response = client.get(url)
        if "/reports/workflow" in url and response.status_code == 302:  # Wagtail: not for school admins at all
            assert response["Location"] == reverse("wagtailadmin_home")
            continue
        assert response.status_code == 200, (url, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", "replace")
        assert not re.search("远方秘密", text), url
        seen_own += "本校课件甲" in text
    assert seen_own >= 5, "the admin's own school's resource still shows in lists, choosers and reports"
    # and their own resource's pages still open
    for name, url in resource_urls(schools["own"]).items():
        if name.endswith((":history", ":usage", ":workflow_history", ":chosen", ":edit")):
            assert client.get(url).status_code == 200, name


def test_a_district_researcher_still_reaches_every_school(client, schools):
    client.force_login(UserFactory(username="researcher", role=User.Role.DISTRICT_RESEARCHER, school=None))
    resource = schools["their"]["private"]
    for name in ("history", "usage", "edit"):
        assert client.get(reverse(f"wagtailsnippets_resources_resource:{name}", args=[resource.pk])).status_code == 200
    text = client.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert "远方秘密" in text


def test_the_workflow_reports_leave_out_what_is_out_of_reach_when_they_open(client, schools):
    """A school admin given the workflow reports (they need page rights: a superuser put them in Editors) sees
    their school's resources there, not another school's."""
    from django.contrib.auth.models import Group
    from wagtail.models import GroupPagePermission, Page

    admin = schools["admin"]
    editors = Group.objects.create(name="页面编辑")
    GroupPagePermission.objects.create(group=editors, page=Page.objects.get(depth=1), permission_type="change")
    admin.groups.add(editors)
    client.force_login(User.objects.get(pk=admin.pk))
    for name in ("workflow", "workflow_results", "workflow_tasks", "workflow_tasks_results"):
        response = client.get(reverse(f"wagtailadmin_reports:{name}"))
        assert response.status_code == 200, name
        text = response.content.decode()
        assert "本校课件甲" in text and "远方秘密" not in text, name


def test_urls_that_mix_ones_own_resource_with_another_schools_parts_are_refused(client, schools):
    """A task state, workflow state or revision of another school's resource named through one's own resource's
    URL; a pk Django would read as a number ("+1"); bulk actions; the per-object permission."""
    from resources.wagtail_hooks import resource_permission_policy

    admin, own, theirs = schools["admin"], schools["own"], schools["their"]["school"]
    client.force_login(admin)
    their_task = TaskState.objects.get(workflow_state__object_id=str(theirs.pk), status="in_progress")
    for action in ("approve", "reject"):
        url = reverse("wagtailsnippets_resources_resource:workflow_action", args=[own.pk, action, their_task.pk])
        assert client.post(url).status_code in (403, 404)
    their_task.refresh_from_db()
    theirs.refresh_from_db()
    assert their_task.status == "in_progress" and theirs.visibility == "school"
    their_state = WorkflowState.objects.get(object_id=str(theirs.pk))
    assert client.get(reverse("wagtailsnippets_resources_resource:workflow_history_detail",
                              args=[own.pk, their_state.pk])).status_code == 404
    assert client.get(reverse("wagtailsnippets_resources_resource:revisions_revert",
                              args=[own.pk, theirs.latest_revision.pk])).status_code == 404
    for pk in (f"+{theirs.pk}", f"0{theirs.pk}", f" {theirs.pk}"):
        compare = f"/admin/snippets/resources/resource/history/{pk}/revisions/compare/earliest...latest/"
        response = client.get(compare)
        refused = response.status_code in (403, 404) or response.get("Location") == reverse("wagtailadmin_home")
        assert refused and "远方秘密" not in response.content.decode(), pk
    for action in ("delete", "publish", "unpublish"):
        bulk = client.get(f"/admin/bulk/resources/resource/{action}/?id=all")
        assert bulk.status_code in (302, 403) and "远方秘密" not in bulk.content.decode(), action
    assert not resource_permission_policy.user_has_permission_for_instance(admin, "change", theirs)
    assert resource_permission_policy.user_has_permission_for_instance(admin, "change", own)


def test_the_video_chooser_finds_only_the_schools_own_videos_and_the_form_takes_no_other(client, schools):
    from media_pipeline.models import MediaAsset

    admin, own = schools["admin"], schools["own"]
    their_teacher = schools["their"]["private"].uploaded_by
    theirs = MediaAsset.objects.create(owner=their_teacher, title="远方秘密录像", source_path="/dev/null")
    mine = MediaAsset.objects.create(owner=admin, title="本校录像", source_path="/dev/null")
    client.force_login(admin)
    edit = client.get(reverse("wagtailsnippets_resources_resource:edit", args=[own.pk]))
    page = edit.content.decode()
    assert 'name="media_asset"' in page and "远方秘密录像" not in page
    assert '<select name="media_asset"' not in page, "a chooser, not a list of every video"
    form = edit.context["form"]
    assert set(form.fields["media_asset"].queryset) == {mine}, "a posted id of another school's video is refused"

    modal = client.get(reverse("resources_video_chooser:choose")).json()["html"]
    assert "本校录像" in modal and "远方秘密录像" not in modal
    searched = client.get(reverse("resources_video_chooser:choose_results"), {"q": "录像"}).content.decode()
    assert "本校录像" in searched and "远方秘密录像" not in searched
    chosen = client.get(reverse("resources_video_chooser:chosen", args=[mine.pk])).json()
    assert chosen["result"]["title"].startswith("本校录像")
    assert client.get(reverse("resources_video_chooser:chosen", args=[theirs.pk])).status_code == 404


def test_a_researcher_may_still_act_in_bulk(client, schools):
    client.force_login(UserFactory(username="researcher2", role=User.Role.DISTRICT_RESEARCHER, school=None))
    ids = "&".join(f"id={r.pk}" for r in schools["their"].values())
    assert client.get(f"/admin/bulk/resources/resource/delete/?{ids}").status_code == 200
