"""Apply an import plan (planning.Plan) in one transaction: all of the file or, with any bad row, none of it."""
import logging

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import School, SchoolPairing, User
from research.models import GroupMembership, ResearchGroup
from resources.services import user_groups_sync

from .planning import Plan, plan_import

logger = logging.getLogger(__name__)
BATCH = 2000


class RosterInvalid(ValueError):
    """The file has bad rows: nothing was changed. `plan.errors` names them."""

    def __init__(self, plan):
        super().__init__(f"{plan.error_count} bad rows")
        self.plan = plan


def people_import(*, rows, create_schools=False, only_school=None, dry_run=False, progress=None,
                  progress_every=5000, before_apply=None) -> Plan:
    """Plan `rows` and, when every row is good and this is no dry run, apply the plan. Raises RosterInvalid.
    `before_apply(plan)` is called once the rows are checked, just before the writing starts."""
    plan = plan_import(rows, create_schools=create_schools, only_school=only_school, progress=progress,
                       progress_every=progress_every)
    if not plan.ok:
        raise RosterInvalid(plan)
    if not dry_run and plan.changes:
        if before_apply:
            before_apply(plan)
        plan_apply(plan)
    return plan


@transaction.atomic
def plan_apply(plan: Plan) -> None:
    today = timezone.localdate()
    School.objects.bulk_create([School(name=name, kind=kind) for name, kind in plan.new_schools.items()],
                               batch_size=BATCH)
    schools = dict(School.objects.values_list("name", "pk"))
    SchoolPairing.objects.bulk_create(
        [SchoolPairing(supporting_id=schools[a], supported_id=schools[b], starts_on=today) for a, b in plan.new_pairings],
        batch_size=BATCH)

    # New accounts have no password: the first sign-in is through a temporary password their school admin gives
    # on the people page (then they choose their own), or through the district's single sign-on.
    new = []
    for values in plan.new_users:
        values = dict(values)
        school = values.pop("school")
        new.append(User(**values, school_id=schools[school], password=make_password(None)))  # (no hashing: cheap)
    User.objects.bulk_create(new, batch_size=BATCH)
    if plan.changed_users:
        users = User.objects.in_bulk([pk for pk, _changed, _key in plan.changed_users])
        fields = set()
        for pk, changed, _key in plan.changed_users:
            user = users[pk]
            for name, value in changed.items():
                if name == "school":
                    user.school_id, name = schools[value], "school_id"
                else:
                    setattr(user, name, value)
                fields.add(name)
        User.objects.bulk_update(list(users.values()), sorted(fields), batch_size=BATCH)

    ResearchGroup.objects.bulk_create(
        [ResearchGroup(name=group, school_id=schools[school], subject_id=subject_id)
         for (school, group), subject_id in plan.new_groups.items()], batch_size=BATCH)
    if plan.memberships:
        group_ids = {(school_id, name): pk for pk, school_id, name in ResearchGroup.objects.filter(
            school_id__in={schools[school] for school, _group, _key in plan.memberships}).values_list(
            "pk", "school_id", "name")}
        user_ids = dict(User.objects.filter(username__in={key for _s, _g, key in plan.memberships})
                        .values_list("username", "pk"))
        wanted = {(group_ids[(schools[school], group)], user_ids[key]): role
                  for (school, group, key), role in plan.memberships.items()}
        have = {(m.group_id, m.user_id): m for m in GroupMembership.objects.filter(
            group_id__in={g for g, _u in wanted}, user_id__in={u for _g, u in wanted})}
        GroupMembership.objects.bulk_create(
            [GroupMembership(group_id=g, user_id=u, role=role) for (g, u), role in wanted.items() if (g, u) not in have],
            batch_size=BATCH)
        promoted = [have[pair] for pair, role in wanted.items() if pair in have and have[pair].role != role]
        for membership in promoted:
            membership.role = wanted[(membership.group_id, membership.user_id)]
        GroupMembership.objects.bulk_update(promoted, ["role"], batch_size=BATCH)

    # Moderators join the moderators' group (bulk writes send no post_save): the few whose role says so.
    keys = [v["username"] for v in plan.new_users] + [key for _pk, changed, key in plan.changed_users if "role" in changed]
    for user in User.objects.filter(username__in=keys).exclude(role__in=(User.Role.TEACHER, User.Role.VIEWER,
                                                                         User.Role.GROUP_LEADER)):
        user_groups_sync(user=user)
    for _pk, changed, key in plan.changed_users:
        if changed.get("role") in (User.Role.TEACHER, User.Role.VIEWER, User.Role.GROUP_LEADER):
            user_groups_sync(user=User.objects.get(username=key))
    logger.info("roster import: %s", plan.summary())
