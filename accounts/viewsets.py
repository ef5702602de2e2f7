from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from .forms import KexiangUserCreationForm, KexiangUserEditForm


class UserViewSet(WagtailUserViewSet):
    """Wagtail's user admin with Kexiang's fields: full name, phone, role, school."""

    def get_form_class(self, for_update=False):
        return KexiangUserEditForm if for_update else KexiangUserCreationForm
