from .models import ResearchGroup


def group_list_for_user(*, user):
    """The groups `user` belongs to, with their role in each."""
    if not user.is_authenticated:
        return []
    return list(
        ResearchGroup.objects.filter(memberships__user=user)
        .select_related("subject", "school")
        .order_by("name")
        .distinct()
    )
