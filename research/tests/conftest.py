import pytest

from research.models import GroupMembership
from tests.factories import GroupMembershipFactory, ResearchGroupFactory, SchoolFactory, UserFactory


class People:
    """A private group of one school: a leader, a member, a guest expert from another school, and an
    outsider at the same school who is in no group."""

    def __init__(self):
        self.school = SchoolFactory(name="青山乡中心小学")
        self.expert_school = SchoolFactory(name="市实验小学")
        self.group = ResearchGroupFactory(name="三年级语文教研组", school=self.school, is_private=True)
        self.leader = UserFactory(username="liwei", full_name="李伟", school=self.school)
        self.member = UserFactory(username="zhangfang", full_name="张芳", school=self.school)
        self.guest = UserFactory(username="wangjing", full_name="王静", school=self.expert_school)
        self.outsider = UserFactory(username="zhaolei", full_name="赵磊", school=self.school)
        GroupMembershipFactory(group=self.group, user=self.leader, role=GroupMembership.Role.LEADER)
        GroupMembershipFactory(group=self.group, user=self.member, role=GroupMembership.Role.MEMBER)
        GroupMembershipFactory(group=self.group, user=self.guest, role=GroupMembership.Role.GUEST_EXPERT)


@pytest.fixture
def people(db):
    return People()


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        return client
    return sign_in
