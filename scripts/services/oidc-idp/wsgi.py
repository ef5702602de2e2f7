import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ["DJANGO_SETTINGS_MODULE"] = "settings"  # (not the settings of a Kexiang that runs it)
from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
