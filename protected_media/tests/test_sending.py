"""Sending details: which requests count as a download, and what is never cached or served."""
import pytest
from django.core.files.base import ContentFile

from resources.models import Resource
from tests.factories import ResourceFactory, UserFactory

PDF = b"%PDF-1.4\n" + b"x" * 4000 + b"\n%%EOF\n"


@pytest.fixture
def public_file(media_root):
    resource = ResourceFactory(title="讲义", live=True, visibility=Resource.Visibility.PUBLIC,
                               uploaded_by=UserFactory(username="liwei"))
    resource.attachment.save("jiangyi.pdf", ContentFile(PDF), save=True)
    return resource


@pytest.mark.django_db
def test_only_a_download_from_the_first_byte_counts(client, public_file):
    url = f"/resources/{public_file.pk}/download"
    first = client.get(url)
    assert first.status_code == 200 and b"".join(first.streaming_content) == PDF
    client.head(url)
    client.get(url, HTTP_RANGE="bytes=1000-1999")  # a download manager's second part
    client.get(url, HTTP_RANGE="bytes=2000-")  # a resumed download
    client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])  # 304
    assert client.get(url, HTTP_RANGE="bytes=0-999").status_code == 206  # its first part: counted
    public_file.refresh_from_db()
    assert public_file.download_count == 2


@pytest.mark.django_db
def test_an_unsatisfiable_range_is_never_cached_and_odd_names_are_404(client, public_file):
    name = public_file.attachment.name
    beyond = client.get(f"/media/{name}", HTTP_RANGE=f"bytes={len(PDF) + 5}-")
    assert beyond.status_code == 416 and beyond["Cache-Control"] == "no-store"
    assert beyond["Content-Range"] == f"bytes */{len(PDF)}"
    for bad in (f"/media/{name}%00x", f"/media/{name}%0a", "/media/resources/%2e%2e/x"):
        assert client.get(bad).status_code == 404, bad
