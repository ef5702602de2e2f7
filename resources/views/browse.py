"""Browse 学段 → 学科 → 版本 → 册 → 章节 with counts. (Being built.)"""
from django.shortcuts import redirect


def browse_home(request):
    return redirect("resources:list")
