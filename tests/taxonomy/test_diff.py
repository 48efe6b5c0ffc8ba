"""``lab diff`` on real git repositories: every kind of change, every kind of base, work tree and commits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lab_cli.cli.main import main
from lab_cli.gitrepo import WORKTREE, GitRepo
from lab_cli.taxonomy.diff import DiffOptions, default_base, diff_taxonomy
from tests.helpers.gitrepos import Repo
from tests.helpers.leaves import knowledge_text, skill_text

A, B, C = "compositional_skills/writing/a", "compositional_skills/writing/b", "knowledge/science/c"


@pytest.fixture
def based(repo: Repo) -> Repo:
    repo.leaf(A, skill_text())
    repo.leaf(B, skill_text(created_by="someone"))
    repo.leaf(C, knowledge_text())
    repo.commit("base")
    repo.git("tag", "v1")
    repo.git("checkout", "-q", "-b", "feature")
    return repo


def changes(repo: Repo, base: str = "main", head: str | None = None) -> list[tuple[str, str, str | None]]:
    git = GitRepo(repo.top)
    result = diff_taxonomy(git, git.resolve(base), git.resolve(head) if head else WORKTREE)
    return [(c.status, c.leaf, c.old_path) for c in result.changes]


def test_added_modified_deleted_renamed(based: Repo) -> None:
    based.leaf("compositional_skills/writing/new", skill_text(created_by="new"))
    (based.top / A / "qna.yaml").write_text(skill_text(examples=6))
    based.git("rm", "-rq", C)
    based.git("mv", B, "compositional_skills/writing/b2")
    head = based.commit("work")
    assert changes(based, head=head) == [
        ("M", A, None),
        ("R", "compositional_skills/writing/b2", f"{B}/qna.yaml"),
        ("A", "compositional_skills/writing/new", None),
        ("D", C, None),
    ]


def test_attribution_only_change_marks_the_leaf_modified(based: Repo) -> None:
    (based.top / B / "attribution.txt").write_text("Title of work: new\n")
    assert changes(based) == [("M", B, None)]


def test_other_file_in_a_leaf_marks_it_modified_and_unrelated_files_are_ignored(based: Repo) -> None:
    (based.top / C / "notes.md").write_text("notes\n")
    (based.top / "README.md").write_text("readme\n")
    assert changes(based) == [("M", C, None)]


def test_staged_unstaged_and_untracked_all_count(based: Repo) -> None:
    (based.top / A / "qna.yaml").write_text(skill_text(examples=7))
    based.git("add", A)  # staged
    (based.top / B / "qna.yaml").write_text(skill_text(examples=8))  # unstaged
    based.leaf("compositional_skills/writing/untracked", skill_text())  # untracked
    based.leaf("compositional_skills/writing/ignored", skill_text())
    (based.top / ".gitignore").write_text("compositional_skills/writing/ignored/\n")
    assert changes(based) == [("M", A, None), ("M", B, None), ("A", "compositional_skills/writing/untracked", None)]


def test_move_without_git_mv_is_a_rename(based: Repo) -> None:
    os.rename(based.top / B, based.top / "compositional_skills/writing/moved")
    assert changes(based) == [("R", "compositional_skills/writing/moved", f"{B}/qna.yaml")]


@pytest.mark.parametrize("base", ["v1", "main", "SHA", "HEAD~1"])
def test_base_may_be_a_tag_branch_sha_or_expression(based: Repo, base: str) -> None:
    based.leaf("compositional_skills/writing/new", skill_text())
    head = based.commit("add")
    if base == "SHA":
        base = based.git("rev-parse", "v1").strip()
    assert changes(based, base, head) == [("A", "compositional_skills/writing/new", None)]


def test_default_base_without_any_remote_is_main(based: Repo) -> None:
    based.leaf("compositional_skills/writing/new", skill_text())
    based.commit("add")
    git = GitRepo(based.top)
    assert default_base(git, git.resolve("HEAD"), None) == git.resolve("v1")


def test_default_base_follows_origin(based: Repo, tmp_path: Path) -> None:
    upstream = Repo(tmp_path / "upstream")
    upstream.git("pull", "-q", str(based.top), "main")
    upstream.leaf("compositional_skills/writing/upstream", skill_text())
    upstream.commit("upstream moves on")
    based.git("remote", "add", "origin", str(upstream.top))
    based.git("fetch", "-q", "origin")
    based.leaf("compositional_skills/writing/mine", skill_text())
    based.commit("mine")
    git = GitRepo(based.top)
    base = default_base(git, git.resolve("HEAD"), None)
    assert base == git.resolve("v1")  # the merge-base, so upstream's new leaf is not "deleted" here
    assert [c.leaf for c in diff_taxonomy(git, base, git.resolve("HEAD")).changes] == [
        "compositional_skills/writing/mine"
    ]


def test_merge_commit_on_the_branch(based: Repo) -> None:
    based.leaf("compositional_skills/writing/x", skill_text())
    based.commit("x")
    based.git("checkout", "-q", "-b", "side", "v1")
    based.leaf("compositional_skills/writing/y", skill_text())
    based.commit("y")
    based.git("checkout", "-q", "feature")
    based.git("merge", "-q", "--no-edit", "side")
    assert changes(based, "main", "HEAD") == [
        ("A", "compositional_skills/writing/x", None),
        ("A", "compositional_skills/writing/y", None),
    ]


def test_path_with_spaces_and_ampersand(based: Repo) -> None:
    leaf = "knowledge/finance/Contracts & Derivatives/ISDA 2002"
    based.leaf(leaf, knowledge_text())
    head = based.commit("odd path")
    git = GitRepo(based.top)
    result = diff_taxonomy(git, git.resolve("main"), head)
    assert [(c.status, c.leaf) for c in result.changes] == [("A", leaf)]
    assert result.validation.files[0].errors == []


def test_empty_diff(based: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert changes(based) == []
    assert main(["diff", "-C", str(based.top)]) == 0
    out = capsys.readouterr().out
    assert "No taxonomy leaves changed" in out and out.rstrip().endswith("and the work tree.")


def test_invalid_leaf_fails_and_deleted_leaf_is_not_validated(based: Repo) -> None:
    (based.top / A / "qna.yaml").write_text(skill_text(examples=2))
    based.git("rm", "-rq", B)
    head = based.commit("break a, delete b")
    git = GitRepo(based.top)
    result = diff_taxonomy(git, git.resolve("main"), head)
    assert [f.path for f in result.validation.files] == [f"{A}/qna.yaml"]
    assert [e.rule for e in result.validation.files[0].errors] == ["schema"]


def test_commit_head_is_read_from_git_not_the_work_tree(based: Repo) -> None:
    (based.top / A / "qna.yaml").write_text(skill_text(examples=6))
    head = based.commit("valid")
    (based.top / A / "qna.yaml").write_text("broken: [\n")  # uncommitted breakage must not matter
    git = GitRepo(based.top)
    result = diff_taxonomy(git, git.resolve("main"), head)
    assert result.validation.error_count == 0


def run_lab_diff(repo: Repo, head: str, output_format: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "lab_cli", "diff", "-C", str(repo.top), "--base", "main", "--head", head]
    return subprocess.run([*command, "--format", output_format], capture_output=True, text=True, check=False)


def test_json_contract_and_markdown_comment(based: Repo) -> None:
    (based.top / A / "qna.yaml").write_text(skill_text(examples=3))
    based.leaf("knowledge/science/new", knowledge_text())
    head = based.commit("pr")
    out = run_lab_diff(based, head, "json")
    assert out.returncode == 1
    payload = json.loads(out.stdout)
    assert payload["base"] == based.git("rev-parse", "main").strip() and payload["head"] == head
    assert payload["changes"] == [
        {"status": "M", "leaf": A, "path": f"{A}/qna.yaml", "old_path": None, "kind": "freeform_skill"},
        {
            "status": "A",
            "leaf": "knowledge/science/new",
            "path": "knowledge/science/new/qna.yaml",
            "old_path": None,
            "kind": "knowledge",
        },
    ]
    assert payload["validation"]["summary"] == {"files": 2, "errors": 1, "warnings": 0}
    comment = run_lab_diff(based, head, "markdown").stdout
    assert comment.startswith("<!-- lab-diff-report -->")
    assert f"| <code>{A.replace('_', chr(92) + '_')}</code> | modified | freeform_skill | 1 | 0 |" in comment
    assert "| <code>knowledge/science/new</code> | added | knowledge | 0 | 0 |" in comment


def test_name_only(based: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    based.leaf("compositional_skills/writing/new", skill_text())
    assert main(["diff", "-C", str(based.top), "--name-only"]) == 0
    assert capsys.readouterr().out.splitlines() == ["compositional_skills/writing/new"]


def test_outside_a_repository_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "-C", str(tmp_path)]) == 2
    assert "not inside a git repository" in capsys.readouterr().err


def test_unknown_base_is_a_clear_error(based: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "-C", str(based.top), "--base", "nope"]) == 1
    err = capsys.readouterr().err
    assert "no commit named 'nope'" in err and "name a branch, tag or commit id" in err


def test_a_repository_without_commits_is_a_usage_error(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.leaf(A, skill_text())
    assert main(["diff", "-C", str(repo.top)]) == 2
    assert "has no commits yet; commit the taxonomy first" in capsys.readouterr().err


def test_diff_path_never_imports_gitpython_or_heavy_modules(based: Repo) -> None:
    code = (
        "import sys; from lab_cli.cli.main import main; main(['diff', '-C', sys.argv[1], '--format', 'json']);"
        "print('HEAVY', [m for m in ('git', 'torch', 'transformers', 'openai') if m in sys.modules], file=sys.stderr)"
    )
    completed = subprocess.run([sys.executable, "-c", code, str(based.top)], capture_output=True, text=True)
    assert "HEAVY []" in completed.stderr


class TestPullRequestMode:
    """Untrusted content is an error on its leaf, never a crash and never read outside the repository."""

    def _judge(self, repo: Repo, stage: bool = True, **options: object) -> dict[str, list[str]]:
        if stage:
            repo.git("add", "-A")
        repo.git("commit", "-q", "-m", "pr")
        head = repo.git("rev-parse", "HEAD").strip()
        git = GitRepo(repo.top)
        result = diff_taxonomy(git, git.resolve("main"), head, DiffOptions(pr_mode=True, **options))
        return {f.path: sorted({e.rule for e in f.errors}) for f in result.validation.files}

    def test_symlinked_file_in_a_leaf(self, based: Repo) -> None:
        (based.top / A / "notes.md").symlink_to("/etc/passwd")
        assert self._judge(based) == {f"{A}/qna.yaml": ["unsafe-path"]}

    def test_symlinked_qna_yaml(self, based: Repo) -> None:
        folder = based.top / "compositional_skills/writing/link"
        folder.mkdir()
        (folder / "qna.yaml").symlink_to("/etc/hostname")
        assert self._judge(based) == {"compositional_skills/writing/link/qna.yaml": ["unsafe-path"]}

    def test_file_over_the_size_limit(self, based: Repo) -> None:
        (based.top / A / "document.md").write_text("x" * 5000)
        assert self._judge(based, max_bytes=4096) == {f"{A}/qna.yaml": ["file-too-large"]}

    def test_submodule_in_a_leaf(self, based: Repo, tmp_path: Path) -> None:
        other = Repo(tmp_path / "other")
        other.commit("empty")
        sha = other.git("rev-parse", "HEAD").strip()
        based.git("update-index", "--add", "--cacheinfo", f"160000,{sha},{A}/vendored")
        assert self._judge(based, stage=False) == {f"{A}/qna.yaml": ["unsafe-path"]}

    def test_leaf_outside_the_taxonomy_folders(self, based: Repo) -> None:
        based.leaf("elsewhere/leaf", skill_text())
        assert self._judge(based) == {"elsewhere/leaf/qna.yaml": ["outside-taxonomy"]}

    @pytest.mark.parametrize(
        "url",
        [
            "file:///etc",
            "/srv/git/docs",
            "ext::sh -c touch% /tmp/pwned",
            "git@github.com:x/y.git",
            "http://github.com/x/y",
            "https://evil.example.com/x.git",
            "https://user:token@github.com/x/y",
        ],
    )
    def test_document_repo_must_be_an_allowed_https_url(self, based: Repo, url: str) -> None:
        based.leaf("knowledge/science/d", knowledge_text().replace("https://github.com/example/docs", url))
        rules = self._judge(based)
        assert rules == {"knowledge/science/d/qna.yaml": ["document-url"]}
        assert not Path("/tmp/pwned").exists()

    def test_allowed_url_passes_and_work_tree_mode_checks_too(self, based: Repo) -> None:
        based.leaf("knowledge/science/ok", knowledge_text())
        based.leaf("knowledge/science/bad", knowledge_text().replace("https://github.com/example/docs", "file:///"))
        git = GitRepo(based.top)
        result = diff_taxonomy(git, git.resolve("main"), WORKTREE, DiffOptions(pr_mode=True))
        assert {f.path: [e.rule for e in f.errors] for f in result.validation.files} == {
            "knowledge/science/bad/qna.yaml": ["document-url"],
            "knowledge/science/ok/qna.yaml": [],
        }


def test_base_from_lab_toml(based: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    based.leaf("compositional_skills/writing/new", skill_text())
    based.commit("add")
    based.git("checkout", "-q", "-b", "release", "v1")
    based.git("checkout", "-q", "feature")
    (based.top / ".lab.toml").write_text('[diff]\nbase = "release"\n')
    assert main(["diff", "-C", str(based.top), "--name-only"]) == 0
    assert capsys.readouterr().out.splitlines() == ["compositional_skills/writing/new"]
    (based.top / ".lab.toml").write_text("[diff\n")
    assert main(["diff", "-C", str(based.top)]) == 2
    assert "not valid TOML" in capsys.readouterr().err
