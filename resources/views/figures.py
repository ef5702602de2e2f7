"""Semester figures for a school and a pairing. (Being built.)"""
from django.http import HttpResponse


def figures_page(request):
    return HttpResponse("")
