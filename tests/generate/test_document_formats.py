"""``lab generate`` on knowledge leaves whose documents are a PDF and a Word file, with the scripted loopback
teacher: the documents' text reaches the teacher's prompts, and a broken PDF fails its own leaf only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_validate_cli import run_lab
from tests.generate.conftest import knowledge
from tests.helpers.documents import docx_bytes, pdf_bytes
from tests.helpers.gitrepos import Repo
from tests.helpers.openai_server import FakeTeacher

LINES = [f"The lighthouse of harbor {i} was built in year {1800 + i} by {i} keepers." for i in range(6)]


def test_pdf_and_docx_documents_generate_end_to_end(tmp_path: Path, scripted_teacher: FakeTeacher) -> None:
    pytest.importorskip("pypdf", reason="PDF needs the documents extra (pypdf)")
    docs = Repo(tmp_path / "docs")
    (docs.top / "lighthouses.pdf").write_bytes(pdf_bytes([LINES[:3], LINES[3:]]))
    (docs.top / "lighthouses.docx").write_bytes(docx_bytes(["Harbor 9 kept a foghorn named Bellow."]))
    (docs.top / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    commit = docs.commit("documents")
    repo = Repo(tmp_path / "taxonomy")
    for leaf, document in (("pdf", "lighthouses.pdf"), ("docx", "lighthouses.docx"), ("broken", "broken.pdf")):
        repo.leaf(f"knowledge/history/{leaf}", knowledge(0, str(docs.top), commit).replace("lighthouses.md", document))
    repo.commit("three knowledge leaves")
    args = ("--scale", "1", "--teacher-url", scripted_teacher.url, "--teacher-model", "fake-teacher")
    done = run_lab("generate", *args, "--allow-local-documents", "--format", "json", cwd=repo.top)
    assert done.returncode == 1 and "Traceback" not in done.stderr  # the broken leaf fails the run, alone
    leaves = {leaf["leaf"]: leaf for leaf in json.loads(done.stdout)["leaves"]}
    assert leaves["knowledge/history/broken"]["action"] == "invalid"
    assert "broken.pdf: cannot read it as PDF" in leaves["knowledge/history/broken"]["problem"]
    report = json.loads(done.stdout)
    generated = {entry["leaf"]: entry for entry in report["generated"]}
    assert sorted(generated) == ["knowledge/history/docx", "knowledge/history/pdf"]
    assert all(entry["generated_samples"] > 0 and entry["document_samples"] > 0 for entry in generated.values())
    assert report["snapshot"] is None  # no snapshot while a leaf is invalid
    prompts = "\n".join(message["content"] for body in scripted_teacher.requests for message in body["messages"])
    assert LINES[4] in prompts and "Harbor 9 kept a foghorn named Bellow." in prompts
