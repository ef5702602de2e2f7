"""Upload a resource from a phone. (Being built.)"""
from django.http import HttpResponse


def upload_page(request):
    return HttpResponse("")
