"""The home page says how far the demo lessons are while the worker makes them (demo/lessons.py).

A callable, so the query runs only on a page whose template asks for it."""
from .lessons import demo_lessons_progress


def demo(request):
    return {"demo_lessons_progress": demo_lessons_progress}
