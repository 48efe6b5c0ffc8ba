"""Text out of a knowledge document's bytes: Markdown and plain text as they are, HTML, DOCX and PDF converted.

Each converter is named with its version (``pdf/pypdf-5.1.0``), and the name is part of the leaf's fingerprint,
so a new converter regenerates the leaf; plain text is named ``text`` and keeps the fingerprint it always had.
Documents come from repositories a pull request names, so every converter is contained: nothing is fetched
(HTML links and images, DOCX external relationships and PDF actions are ignored), a DOCX's parts are read with
a size cap that a zip bomb cannot pass, the text kept is capped, and any failure of a parser is a
``DocumentError`` naming the file, never a crash. A converted document that holds no text is an error too:
a scanned PDF without a text layer would otherwise become an empty leaf.
"""

from __future__ import annotations

import importlib.metadata
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from xml.etree import ElementTree

from lab_cli.errors import LabError

TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".rst", ".adoc")
CONVERTED_SUFFIXES = (".html", ".htm", ".docx", ".pdf")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + CONVERTED_SUFFIXES
TEXT_EXTRACTOR = "text"
MAX_TEXT_CHARS = 5_000_000
"""Most text kept from one converted document (a long book); the rest is an error, not silently cut."""


class ExtractionError(LabError):
    """A document whose text cannot be read."""


@dataclass(frozen=True)
class Extracted:
    """A document's text and the converter that produced it."""

    text: str
    extractor: str


def extract(path: str, data: bytes, max_bytes: int) -> Extracted:
    """The text of the document at ``path`` (its name decides the converter) from its ``data``; ``max_bytes``
    caps what a compressed format may expand to."""
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if suffix in TEXT_SUFFIXES:
        try:
            return Extracted(data.decode("utf-8"), TEXT_EXTRACTOR)
        except UnicodeDecodeError as problem:
            raise ExtractionError(f"{path}: not UTF-8 text") from problem
    converter, name = _CONVERTERS.get(suffix, (None, ""))
    if converter is None:
        raise ExtractionError(f"{path}: lab reads {', '.join(SUPPORTED_SUFFIXES)} documents, not {suffix or 'this'}")
    try:
        text = converter(data, max_bytes)
    except ExtractionError as problem:
        raise ExtractionError(f"{path}: {problem}") from problem
    except Exception as problem:  # a parser's failure on hostile or broken input stays this document's error
        raise ExtractionError(f"{path}: cannot read it as {suffix[1:].upper()} ({type(problem).__name__})") from problem
    text = re.sub(r"[ \t]+\n", "\n", re.sub(r"\n{3,}", "\n\n", text)).strip()
    if not text:
        raise ExtractionError(f"{path}: holds no text (a scanned PDF without a text layer?); give a text version")
    if len(text) > MAX_TEXT_CHARS:
        raise ExtractionError(f"{path}: more than {MAX_TEXT_CHARS:,} characters of text; narrow document.patterns")
    return Extracted(text + "\n", name())


class _HtmlText(HTMLParser):
    """The visible text of an HTML page, a line break at each block element; scripts and styles dropped."""

    BLOCKS = frozenset(
        [
            "p",
            "div",
            "br",
            "li",
            "tr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "section",
            "article",
            "header",
            "footer",
            "blockquote",
            "pre",
        ]
    )
    HIDDEN = frozenset(("script", "style", "template", "noscript", "head"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_text(data: bytes, max_bytes: int) -> str:
    """The visible text of an HTML document (UTF-8, or what its bytes decode to with replacement)."""
    parser = _HtmlText()
    parser.feed(data.decode("utf-8", errors="replace"))
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(lines)


_WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_text(data: bytes, max_bytes: int) -> str:
    """The paragraphs of a Word document's body (``word/document.xml``), a blank line between; tabs and breaks kept."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            info = archive.getinfo("word/document.xml")
        except KeyError as problem:
            raise ExtractionError("not a Word document (no word/document.xml)") from problem
        if info.file_size > max_bytes:
            raise ExtractionError(f"its text part expands to {info.file_size:,} bytes, over the {max_bytes:,} limit")
        with archive.open(info) as part:
            xml = part.read(max_bytes + 1)  # the declared size can lie: read no more than the cap
    if len(xml) > max_bytes:
        raise ExtractionError(f"its text part expands past the {max_bytes:,}-byte limit")
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise ExtractionError("its text part declares a DTD or entities, which Word never writes")
    root = ElementTree.fromstring(xml)
    paragraphs = []
    for paragraph in root.iter(f"{_WORD}p"):
        pieces = []
        for node in paragraph.iter():
            if node.tag == f"{_WORD}t":
                pieces.append(node.text or "")
            elif node.tag == f"{_WORD}tab":
                pieces.append("\t")
            elif node.tag in (f"{_WORD}br", f"{_WORD}cr"):
                pieces.append("\n")
        paragraphs.append("".join(pieces))
    return "\n\n".join(paragraphs)  # a paragraph per Markdown paragraph, so chunks keep them whole


def pdf_text(data: bytes, max_bytes: int) -> str:
    """The text layer of a PDF, page by page (pypdf, from the ``documents`` extra)."""
    try:
        from pypdf import PdfReader
    except ImportError as problem:
        raise ExtractionError("reading PDF needs pypdf: pip install 'lab-cli[documents]'") from problem
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        raise ExtractionError("it is encrypted; give an unencrypted copy")
    pages, size = [], 0
    for page in reader.pages:
        text = page.extract_text() or ""
        size += len(text)
        if size > MAX_TEXT_CHARS:
            raise ExtractionError(f"more than {MAX_TEXT_CHARS:,} characters of text; narrow document.patterns")
        pages.append(text)
    return "\n\n".join(pages)


def _pdf_extractor() -> str:
    try:
        return f"pdf/pypdf-{importlib.metadata.version('pypdf')}"
    except importlib.metadata.PackageNotFoundError:
        return "pdf/pypdf-missing"


_LAB_CONVERTERS = "1"
"""The version of lab's own converters (HTML, DOCX): raise it when what they extract changes."""

_CONVERTERS: dict[str, tuple[Callable[[bytes, int], str], Callable[[], str]]] = {
    ".html": (html_text, lambda: f"html/lab-{_LAB_CONVERTERS}"),
    ".htm": (html_text, lambda: f"html/lab-{_LAB_CONVERTERS}"),
    ".docx": (docx_text, lambda: f"docx/lab-{_LAB_CONVERTERS}"),
    ".pdf": (pdf_text, _pdf_extractor),
}
