"""What every research view does the same way: find the object, check the reader, turn the service's
exceptions into pages. Non-members get 404, so a private group does not reveal that it exists."""
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render

from ..exceptions import NotAllowedError, NotAMemberError
from ..selectors import group_can_read


def login_required_here(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            return view(request, *args, **kwargs)
        except NotAMemberError:
            raise Http404
        except NotAllowedError as error:
            return render(request, "research/refused.html", {"message": str(error)}, status=403)
    return wrapper


def get_readable(queryset, *, user, group_of=lambda obj: obj.group, **lookup):
    """The object, or 404 when it does not exist or the user is not a member of its group."""
    obj = queryset.filter(**lookup).first()
    if obj is None or not group_can_read(user=user, group=group_of(obj)):
        raise Http404
    return obj


def group_or_404(request, group_id):
    """The group, or 404 when it does not exist or the user is not a member."""
    from ..models import ResearchGroup

    return get_readable(ResearchGroup.objects.all(), user=request.user, group_of=lambda group: group, pk=group_id)


def pick(options, value):
    """The option whose id the form sent, or None (ids from a form are never trusted beyond `options`)."""
    return next((option for option in options if str(option.pk) == str(value or "")), None)
