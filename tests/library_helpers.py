"""Helpers for the library's end-to-end tests: files made in the test, and the tus upload a phone does."""
import base64
import hashlib
import subprocess
import tempfile
from pathlib import Path

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
PHONE_UA = ("Mozilla/5.0 (Linux; Android 10; Redmi 9A) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0 Mobile Safari/537.36")


def b64(text):
    return base64.b64encode(text.encode()).decode()


def make_pdf(path: Path, pages=3) -> Path:
    from PIL import Image, ImageDraw

    images = [Image.new("RGB", (800, 600), "white") for _ in range(pages)]
    for number, image in enumerate(images, start=1):
        ImageDraw.Draw(image).text((60, 60), f"Slide {number}", fill="black")
    images[0].save(path, save_all=True, append_images=images[1:])
    return path


def make_pptx(path: Path, pages=3) -> Path:
    """A real PPTX: LibreOffice turns a PDF into slides (about a second)."""
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        pdf = make_pdf(work / "slides.pdf", pages)
        subprocess.run(
            ["soffice", "--headless", f"-env:UserInstallation=file://{work}/profile", "--infilter=impress_pdf_import",
             "--convert-to", "pptx", "--outdir", str(work), str(pdf)],
            check=True, capture_output=True, timeout=120,
        )
        path.write_bytes((work / "slides.pptx").read_bytes())
    return path


def make_protected_pdf(path: Path) -> Path:
    with tempfile.TemporaryDirectory() as work:
        plain = make_pdf(Path(work) / "plain.pdf", 2)
        subprocess.run(["qpdf", "--encrypt", "user-secret", "owner-secret", "256", "--", str(plain), str(path)],
                       check=True, capture_output=True, timeout=60)
    return path


def tus_upload(client, data: bytes, filename: str, filetype: str, *, drop_at=None) -> str:
    """Upload `data` with tus like the phone's uploader; `drop_at` simulates a lost connection there."""
    metadata = ",".join([f"filename {b64(filename)}", f"filetype {b64(filetype)}",
                         f"sha256 {b64(hashlib.sha256(data).hexdigest())}"])
    created = client.post("/uploads/tus/", HTTP_UPLOAD_LENGTH=str(len(data)), HTTP_UPLOAD_METADATA=metadata,
                          HTTP_USER_AGENT=PHONE_UA, **TUS)
    assert created.status_code == 201, created.content
    url = created["Location"]
    offset = 0
    if drop_at:
        sent = client.patch(url, data[:drop_at], content_type="application/offset+octet-stream",
                            HTTP_UPLOAD_OFFSET="0", **TUS)
        assert sent.status_code == 204
        offset = int(client.head(url, **TUS)["Upload-Offset"])
    if offset < len(data):
        sent = client.patch(url, data[offset:], content_type="application/offset+octet-stream",
                            HTTP_UPLOAD_OFFSET=str(offset), **TUS)
        assert sent.status_code == 204, sent.content
    return url.rstrip("/").rsplit("/", 1)[-1]
