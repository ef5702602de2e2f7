"""Writes of research groups: a new group with its leader, and members added."""
from django.db import transaction

from ..models import GroupMembership, ResearchGroup


@transaction.atomic
def group_create(*, name, leader, subject=None, school=None, pairing=None, is_private=True) -> ResearchGroup:
    group = ResearchGroup(name=name, subject=subject, school=school, pairing=pairing, is_private=is_private)
    group.full_clean()
    group.save()
    GroupMembership.objects.create(group=group, user=leader, role=GroupMembership.Role.LEADER)
    return group


def group_member_add(*, group, user, role=GroupMembership.Role.MEMBER) -> GroupMembership:
    membership, _created = GroupMembership.objects.update_or_create(group=group, user=user, defaults={"role": role})
    if hasattr(user, "_kexiang_group_roles"):  # research.permissions.member_role's cache
        del user._kexiang_group_roles
    return membership
