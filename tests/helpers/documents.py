"""Real PDF, HTML and DOCX files built in the test (no binary fixtures from elsewhere)."""

from __future__ import annotations

import io
import zipfile


def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A valid PDF 1.4 whose pages hold these lines of text in Helvetica (a real text layer, correct xref)."""
    objects: list[bytes] = []
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, lines in enumerate(pages):
        shown = " T* ".join(f"({line.replace('(', '[').replace(')', ']')}) Tj" for line in lines)
        stream = f"BT /F1 12 Tf 14 TL 72 720 Td {shown} ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def html_bytes(title: str, paragraphs: list[str]) -> bytes:
    """An HTML page: a head with a script and a style (not text), a heading, paragraphs, a list, an image."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html><head><title>{title}</title><script>var hidden = 'SCRIPT TEXT';</script>"
        f"<style>p {{ color: red }}</style></head><body><h1>{title}</h1>{body}"
        f'<ul><li>first &amp; item</li><li>second</li></ul><img src="https://example.invalid/x.png"></body></html>'
    ).encode()


_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_bytes(paragraphs: list[str], document_xml: str | None = None) -> bytes:
    """A Word document whose body holds these paragraphs (each split over two runs, as Word does)."""
    runs = "".join(
        f"<w:p><w:r><w:t>{p[: len(p) // 2]}</w:t></w:r>"
        f'<w:r><w:t xml:space="preserve">{p[len(p) // 2 :]}</w:t></w:r></w:p>'
        for p in paragraphs
    )
    xml = (
        document_xml
        or f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}"><w:body>{runs}</w:body></w:document>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _DOCX_TYPES)
        archive.writestr("word/document.xml", xml)
    return out.getvalue()
