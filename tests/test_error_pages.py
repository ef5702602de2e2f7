"""`make run` serves the site's own error pages (Chinese, no settings or stack), not Django's technical pages,
unless a developer asks for them with DEBUG=1."""
import subprocess
import sys

import pytest
import requests

from tests.serving import ROOT


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_embedded_default_answers_a_missing_page_with_the_sites_own_page(served):
    base = served()  # gunicorn with config.settings.dev, as scripts/run.sh starts it
    response = requests.get(base + "/no-such-page/at-all/", timeout=30)
    assert response.status_code == 404
    assert "找不到这个页面" in response.text
    assert "URLconf" not in response.text and "settings" not in response.text.lower()


def test_debug_is_off_on_the_embedded_default_unless_asked():
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.dev'; django.setup(); " \
           "from django.conf import settings; print(settings.DEBUG)"
    env_without = {"PATH": "/usr/bin:/bin", "KEXIANG_VAR_DIR": "/tmp/kexiang-debug-check"}
    plain = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env_without, capture_output=True, text=True)
    asked = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**env_without, "DEBUG": "1"},
                           capture_output=True, text=True)
    assert plain.stdout.strip() == "False", plain.stderr
    assert asked.stdout.strip() == "True", asked.stderr
