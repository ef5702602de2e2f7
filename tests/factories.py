"""factory_boy factories shared by the tests of every app."""
import datetime

import factory

from accounts.models import School, SchoolPairing, User
from research.models import GroupMembership, ResearchGroup
from resources.models import Resource, ResourceType, Stage, Subject


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"示例第{n}小学")
    kind = School.Kind.SUPPORTED


class SchoolPairingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolPairing

    supporting = factory.SubFactory(SchoolFactory, kind=School.Kind.SUPPORTING)
    supported = factory.SubFactory(SchoolFactory)
    starts_on = datetime.date(2025, 9, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"teacher{n}")
    full_name = factory.Sequence(lambda n: f"欧阳老师{n}")
    role = User.Role.TEACHER
    school = factory.SubFactory(SchoolFactory)
    password = factory.PostGenerationMethodCall("set_password", "correct horse 42")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    external_id = factory.Sequence(lambda n: f"test:{n}")
    title = factory.Sequence(lambda n: f"古诗三首 课件 {n}")
    resource_type = ResourceType.COURSEWARE
    stage = factory.LazyFunction(lambda: Stage.objects.get(code="primary"))
    subject = factory.LazyFunction(lambda: Subject.objects.get(name="语文"))


class ResearchGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResearchGroup

    name = factory.Sequence(lambda n: f"语文教研组{n}")


class GroupMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMembership

    group = factory.SubFactory(ResearchGroupFactory)
    user = factory.SubFactory(UserFactory)
