"""Knowledge documents in PDF, HTML and DOCX: their text reaches the chunks, the converter is in the leaf's
fingerprint, and broken or hostile files are an error of that document only."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from lab_cli.documents.chunk import chunk_text
from lab_cli.documents.extract import ExtractionError, extract
from lab_cli.documents.fetch import DocumentCache, DocumentError
from tests.helpers.documents import docx_bytes, html_bytes, pdf_bytes
from tests.helpers.gitrepos import Repo

FACTS = ["The lighthouse of Alba was built in 1820.", "Its lamp burned whale oil until 1871."]
LIMIT = 1 << 20


@pytest.mark.parametrize(
    ("name", "data", "extractor"),
    [
        ("guide.pdf", pdf_bytes([FACTS[:1], FACTS[1:]]), "pdf/pypdf-"),
        ("guide.html", html_bytes("Alba", FACTS), "html/lab-1"),
        ("guide.docx", docx_bytes(FACTS), "docx/lab-1"),
    ],
)
def test_each_format_gives_its_text_and_the_chunks_hold_it(name: str, data: bytes, extractor: str) -> None:
    pytest.importorskip("pypdf", reason="PDF needs the documents extra (pypdf)")
    extracted = extract(name, data, LIMIT)
    assert extracted.extractor.startswith(extractor)
    chunks = chunk_text(extracted.text, max_tokens=12)
    assert len(chunks) >= 2 and all(any(fact in chunk for chunk in chunks) for fact in FACTS)
    assert "SCRIPT TEXT" not in extracted.text and "color" not in extracted.text  # an HTML head is not text


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "broken.pdf: cannot read it as PDF"),
        ("blank.pdf", pdf_bytes([[]]), "blank.pdf: holds no text"),
        ("not.docx", b"PK\x03\x04 not a zip", "not.docx: cannot read it as DOCX"),
        ("empty.docx", docx_bytes([]), "empty.docx: holds no text"),
        (
            "laughs.docx",
            docx_bytes([], '<!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>'),
            "laughs.docx: its text part declares a DTD",
        ),
        ("photo.jpeg", b"\xff\xd8", "photo.jpeg: lab reads .md, .markdown, .txt"),
    ],
)
def test_broken_and_hostile_documents_are_one_clear_error(name: str, data: bytes, message: str) -> None:
    pytest.importorskip("pypdf", reason="PDF needs the documents extra (pypdf)")
    with pytest.raises(ExtractionError, match="^" + re.escape(message)):
        extract(name, data, LIMIT)


def test_a_docx_that_expands_past_the_limit_is_refused_before_it_is_read() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:document>" + " " * (4 * LIMIT) + "</w:document>")
    assert len(out.getvalue()) < LIMIT // 50  # a small file: the bomb is in what it expands to
    with pytest.raises(ExtractionError, match="expands to 4,194,"):
        extract("bomb.docx", out.getvalue(), LIMIT)


def test_a_selection_converts_and_fingerprints_with_the_converter(tmp_path: Path) -> None:
    pytest.importorskip("pypdf", reason="PDF needs the documents extra (pypdf)")
    docs = Repo(tmp_path / "docs")
    (docs.top / "a.pdf").write_bytes(pdf_bytes([FACTS]))
    (docs.top / "b.docx").write_bytes(docx_bytes(FACTS))
    (docs.top / "c.md").write_text("Plain facts.\n")
    commit = docs.commit("documents")
    selection = DocumentCache(tmp_path / "cache", allow_local=True).select(str(docs.top), commit, ["*"])
    found = {d.path: d for d in selection.documents}
    assert FACTS[1] in found["a.pdf"].text and FACTS[0] in found["b.docx"].text
    assert found["c.md"].fingerprint_id == found["c.md"].blob  # text keeps the fingerprint it always had
    assert found["b.docx"].fingerprint_id == f"{found['b.docx'].blob}+docx/lab-1"
    assert found["a.pdf"].fingerprint_id.startswith(f"{found['a.pdf'].blob}+pdf/pypdf-")
    (docs.top / "d.pdf").write_bytes(b"%PDF-1.4 broken")
    broken = docs.commit("a broken pdf")
    with pytest.raises(DocumentError, match=r"^d\.pdf: cannot read it as PDF .*\(at [0-9a-f]{12} of "):
        DocumentCache(tmp_path / "cache", allow_local=True).select(str(docs.top), broken, ["*"])
