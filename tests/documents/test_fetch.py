"""Knowledge documents from a real local git repository, pinned to a commit, cached, and selected safely."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lab_cli.documents import patterns
from lab_cli.documents.chunk import chunk_text
from lab_cli.documents.fetch import DocumentCache, DocumentError, Limits
from lab_cli.documents.patterns import PatternError, compile_pattern
from lab_cli.gitrepo import GitRepo
from tests.helpers.gitrepos import Repo


@pytest.fixture
def source(repo: Repo) -> tuple[Repo, str, str]:
    (repo.top / "docs/deep").mkdir(parents=True)
    (repo.top / "docs/intro.md").write_text("# Intro\n\nStars are hot.\n")
    (repo.top / "docs/deep/more.md").write_text("Planets orbit stars.\n")
    (repo.top / "notes.txt").write_text("A plain note.\n")
    (repo.top / "figure.png").write_bytes(b"\x89PNG binary")
    (repo.top / "docs/leak.md").symlink_to("/etc/passwd")
    first = repo.commit("documents")
    (repo.top / "docs/intro.md").write_text("# Intro\n\nRewritten later.\n")
    (repo.top / "docs/new.md").write_text("Added later.\n")
    second = repo.commit("later")
    return repo, first, second


def paths(selection) -> list[str]:
    return [document.path for document in selection.documents]


def test_right_files_at_the_pinned_commit(source, tmp_path: Path) -> None:
    repo, first, _ = source
    cache = DocumentCache(tmp_path / "cache", allow_local=True)
    selection = cache.select(str(repo.top), first, ["docs/**/*.md", "*.txt", "*.png"])
    assert paths(selection) == ["docs/deep/more.md", "docs/intro.md", "notes.txt"]
    assert selection.documents[1].text == "# Intro\n\nStars are hot.\n"  # not the later rewrite
    assert selection.skipped == (
        "docs/leak.md (symlink or submodule: not followed)",
        "figure.png (not Markdown, plain text, HTML, DOCX or PDF)",
    )


def test_later_commits_do_not_change_the_result_and_the_cache_is_reused(source, tmp_path: Path) -> None:
    repo, first, second = source
    first_run = DocumentCache(tmp_path / "cache", allow_local=True)
    before = first_run.select(str(repo.top), first, ["docs/*.md"])
    assert first_run.fetches == 1
    second_run = DocumentCache(tmp_path / "cache", allow_local=True)
    again = second_run.select(str(repo.top), first, ["docs/*.md"])
    assert second_run.fetches == 0 and again == before
    newer = second_run.select(str(repo.top), second, ["docs/*.md"])
    assert paths(newer) == ["docs/intro.md", "docs/new.md"] and second_run.fetches == 1


def test_only_the_pinned_commit_is_fetched(source, tmp_path: Path) -> None:
    repo, first, second = source
    cache = DocumentCache(tmp_path / "cache", allow_local=True)
    cache.select(str(repo.top), first, ["*.txt"])
    bare = next((tmp_path / "cache/repos").iterdir())
    assert os.system(f"git -C '{bare}' cat-file -e {second} 2>/dev/null") != 0


@pytest.mark.parametrize("pattern", ["../secret.md", "/etc/passwd", "docs/../../x", "C:/windows"])
def test_escaping_patterns_are_refused(source, tmp_path: Path, pattern: str) -> None:
    repo, first, _ = source
    with pytest.raises(DocumentError, match=r"absolute|climbs out"):
        DocumentCache(tmp_path / "cache", allow_local=True).select(str(repo.top), first, [pattern])


def test_local_sources_need_the_opt_in(source, tmp_path: Path) -> None:
    repo, first, _ = source
    with pytest.raises(DocumentError, match=r"local paths and file:// URLs are not allowed"):
        DocumentCache(tmp_path / "cache").select(str(repo.top), first, ["*.txt"])
    with pytest.raises(DocumentError, match="local paths"):
        DocumentCache(tmp_path / "cache").select(f"file://{repo.top}", first, ["*.txt"])


def test_unknown_commit_and_short_ids_are_clear_errors(source, tmp_path: Path) -> None:
    repo, first, _ = source
    cache = DocumentCache(tmp_path / "cache", allow_local=True)
    with pytest.raises(DocumentError, match="full 40-character"):
        cache.select(str(repo.top), first[:8], ["*.txt"])
    with pytest.raises(DocumentError, match="cannot fetch"):
        cache.select(str(repo.top), "0" * 40, ["*.txt"])


def test_glob_semantics() -> None:
    def matches(pattern: str, path: str) -> bool:
        return compile_pattern(pattern).matches(path)

    assert matches("docs/*.md", "docs/a.md")
    assert not matches("docs/*.md", "docs/sub/a.md")
    assert matches("docs/**/*.md", "docs/a.md")
    assert matches("docs/**/*.md", "docs/x/y/a.md")
    assert matches("**/*.txt", "a/b.txt") and matches("**/*.txt", "b.txt")
    assert matches("file[0-9].md", "file7.md") and not matches("file[!0-9].md", "file7.md")
    assert not matches("file?.md", "file/.md")
    assert matches("docs/**", "docs/a/b.md") and not matches("docs/**", "other/a.md")
    assert matches("a[.md", "a[.md"), "an unclosed bracket is a literal"


def test_nested_double_stars_do_not_backtrack() -> None:
    """Eight ``**/`` against an 18-deep path that almost matches: a backtracking regex takes ~0.1 s a path."""
    pattern = compile_pattern("**/" * 8 + "x.md")
    path = "/".join(["d"] * 18) + "/x.mdx"
    work = 0  # path positions carried from token to token: bounded by tokens x positions without backtracking
    original = patterns._advance

    def counted(token, text, reached):
        nonlocal work
        work += len(reached)
        return original(token, text, reached)

    patterns._advance = counted
    try:
        assert not pattern.matches(path)
    finally:
        patterns._advance = original
    assert work <= len(pattern.tokens) * (len(path) + 1)


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("[z-a].md", "reversed range"),
        ("a/" * 40 + "x", "folders deep"),
        ("x" * 300, "longer than"),
        ("a\nb", "control"),
    ],
)
def test_malformed_patterns_are_refused(pattern: str, reason: str) -> None:
    with pytest.raises(PatternError, match=reason):
        compile_pattern(pattern)


def test_chunks_respect_the_budget_and_keep_everything() -> None:
    paragraphs = [" ".join(f"w{p}_{i}" for i in range(60)) + "." for p in range(10)]
    text = "\n\n".join(paragraphs)
    chunks = chunk_text(text, max_tokens=200)
    assert all(int(len(chunk.split()) / 0.75 + 0.5) <= 200 for chunk in chunks)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())
    words = {len(chunk.split()) for chunk in chunk_text("x " * 1000, max_tokens=100)}
    assert max(words) <= 75
    by_characters = chunk_text("one two three four", max_tokens=10, count=len)
    assert all(len(chunk) <= 10 for chunk in by_characters)
    assert " ".join(by_characters).split() == ["one", "two", "three", "four"]


def test_a_document_over_the_size_limit_is_an_error_naming_the_setting(repo: Repo, tmp_path: Path) -> None:
    (repo.top / "small.md").write_text("Small.\n")
    (repo.top / "huge.md").write_text("x" * 5000)
    commit = repo.commit("one document too big")
    cache = DocumentCache(tmp_path / "cache", allow_local=True, limits=Limits(max_document_bytes=4096))
    with pytest.raises(DocumentError, match=r"huge\.md .* 5,000 bytes, over the 4,096-byte .*max_document_bytes"):
        cache.select(str(repo.top), commit, ["*.md"])
    assert paths(cache.select(str(repo.top), commit, ["small.md"])) == ["small.md"]


def test_selected_documents_are_bounded_in_total(repo: Repo, tmp_path: Path) -> None:
    for name in "abc":
        (repo.top / f"{name}.md").write_text(name * 3000)  # compresses to a tiny pack: only the total is large
    commit = repo.commit("three documents")
    cache = DocumentCache(tmp_path / "cache", allow_local=True, limits=Limits(max_fetch_bytes=8000))
    with pytest.raises(DocumentError, match=r"total 9,000 bytes, over the 8,000-byte limit .*max_fetch_bytes"):
        cache.select(str(repo.top), commit, ["*.md"])


def test_a_fetch_over_the_limit_is_stopped_and_nothing_is_kept(repo: Repo, tmp_path: Path) -> None:
    (repo.top / "notes.md").write_text("The document.\n")
    (repo.top / "noise.bin").write_bytes(os.urandom(4 * 2**20))  # incompressible: the pack is as big as the file
    commit = repo.commit("a repository too big to fetch")
    limited = DocumentCache(tmp_path / "cache", allow_local=True, limits=Limits(max_fetch_bytes=256 * 1024))
    with pytest.raises(DocumentError, match=r"larger than the 262,144-byte fetch limit.*max_fetch_bytes"):
        limited.select(str(repo.top), commit, ["notes.md"])
    [bare] = (tmp_path / "cache/repos").iterdir()
    assert list((bare / "objects/pack").iterdir()) == [] and not (bare / "shallow").exists()
    assert GitRepo(bare).ref(f"{commit}^{{commit}}") is None
    roomy = DocumentCache(tmp_path / "cache", allow_local=True)  # the same cache, unharmed, with the default limit
    assert paths(roomy.select(str(repo.top), commit, ["notes.md"])) == ["notes.md"]
