"""Helpers for the library's end-to-end tests: files made in the test, and the tus upload a phone does."""
import base64
import hashlib
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
PHONE_UA = ("Mozilla/5.0 (Linux; Android 10; Redmi 9A) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0 Mobile Safari/537.36")


def b64(text):
    return base64.b64encode(text.encode()).decode()


def make_pdf(path: Path, pages=3) -> Path:
    images = [Image.new("RGB", (1240, 1754), "white") for _ in range(pages)]  # A4 at 150 dpi
    for number, image in enumerate(images, start=1):
        ImageDraw.Draw(image).text((100, 100), f"Page {number}", fill="black")
    images[0].save(path, save_all=True, append_images=images[1:], resolution=150)
    return path


def make_protected_pdf(path: Path) -> Path:
    if shutil.which("qpdf") is None:
        if "office" in os.environ.get("KEXIANG_REQUIRE", ""):
            pytest.fail("qpdf is missing, but CI installs it with LibreOffice (.ci/run)")
        pytest.skip("needs qpdf")
    plain = make_pdf(path.with_name("plain.pdf"), 2)
    subprocess.run(["qpdf", "--encrypt", "user-secret", "owner-secret", "256", "--", str(plain), str(path)],
                   check=True, capture_output=True, timeout=60)
    return path


_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PML = ('xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="' + _REL + '" '
        'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"')


def _slide(text):
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><p:sld {_PML}><p:cSld><p:spTree>'
            '<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>'
            '<p:sp><p:nvSpPr><p:cNvPr id="2" name="Title"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr><p:spPr>'
            '<a:xfrm><a:off x="914400" y="914400"/><a:ext cx="7315200" cy="1828800"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr><p:txBody><a:bodyPr/><a:lstStyle/>'
            f'<a:p><a:r><a:rPr lang="zh-CN" sz="4400"/><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp>'
            '</p:spTree></p:cSld></p:sld>')


def pptx_parts(slides=3, presentation=True) -> dict:
    """A minimal PresentationML package (16:9 text slides), as PowerPoint and LibreOffice read it."""
    types = "".join(f'<Override PartName="/ppt/slides/slide{n}.xml" ContentType="application/'
                    f'vnd.openxmlformats-officedocument.presentationml.slide+xml"/>' for n in range(1, slides + 1))
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
            'PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            f'presentationml.presentation.main+xml"/>{types}</Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
            'Target="ppt/presentation.xml"/></Relationships>'),
        "ppt/presentation.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><p:presentation {_PML}><p:sldIdLst>'
            + "".join(f'<p:sldId id="{255 + n}" r:id="rId{n}"/>' for n in range(1, slides + 1))
            + '</p:sldIdLst><p:sldSz cx="12192000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/>'
              '</p:presentation>'),
        "ppt/_rels/presentation.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{n}" Type="{_REL}/slide" Target="slides/slide{n}.xml"/>'
                      for n in range(1, slides + 1)) + "</Relationships>"),
        **{f"ppt/slides/slide{n}.xml": _slide(f"第{n}页 古诗三首") for n in range(1, slides + 1)},
    }
    if not presentation:
        del parts["ppt/presentation.xml"]
    return parts


def make_zip(path: Path, parts: dict) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def make_pptx(path: Path, slides=3) -> Path:
    return make_zip(path, pptx_parts(slides))


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
