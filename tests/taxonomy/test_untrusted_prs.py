"""Hostile pull requests, each in a real git repository, judged through ``lab diff --pr`` as CI runs it.

Every case must end in exit 1 (or the documented warning) with the problem on the hostile leaf, no traceback,
nothing read outside the repository and nothing written to lab's dataset refs.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers.gitrepos import Repo
from tests.helpers.leaves import knowledge_text, skill_text

GOOD = "compositional_skills/writing/good"


@pytest.fixture
def base(repo: Repo) -> Repo:
    """A repository whose ``main`` holds one valid leaf, with a ``pr`` branch checked out."""
    repo.leaf(GOOD, skill_text())
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "pr")
    return repo


def lab_diff(repo: Repo, *args: str, head: str | None = "pr") -> subprocess.CompletedProcess[str]:
    """``lab diff --pr --base main`` on ``head`` (None: the work tree) in a child process."""
    command = [sys.executable, "-m", "lab_cli", "diff", "-C", str(repo.top), "--pr", "--base", "main"]
    command += ["--head", head] if head else []
    completed = subprocess.run([*command, *args], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in completed.stdout + completed.stderr
    assert repo.git("for-each-ref", "refs/lab") == "", "lab diff must never write lab's refs"
    return completed


def judged(repo: Repo, head: str | None = "pr") -> tuple[int, dict[str, list[str]]]:
    """Exit code and ``path -> sorted rules`` (errors, then ``warning:`` rules) of the JSON report."""
    completed = lab_diff(repo, "--format", "json", head=head)
    files = json.loads(completed.stdout)["validation"]["files"]
    rules = {
        f["path"]: sorted({e["rule"] for e in f["errors"]} | {"warning:" + w["rule"] for w in f["warnings"]})
        for f in files
    }
    return completed.returncode, rules


def test_settings_come_from_the_base_not_the_pull_request(base: Repo) -> None:
    (base.top / ".lab.toml").write_text('[documents]\nallowed_hosts = ["evil.example.com"]\n')
    hostile = knowledge_text().replace("https://github.com/example/docs", "https://evil.example.com/docs")
    base.leaf("knowledge/science/exfil", hostile)
    base.commit("allow my own host")
    code, rules = judged(base)
    assert code == 1
    assert rules == {
        "knowledge/science/exfil/qna.yaml": ["document-url"],
        ".lab.toml": ["warning:settings-changed"],
    }
    code, rules = judged(base, head=None)  # the work tree, as the GitHub action runs it
    assert code == 1 and rules["knowledge/science/exfil/qna.yaml"] == ["document-url"]


def test_settings_committed_at_the_base_apply(base: Repo) -> None:
    base.git("checkout", "-q", "main")
    (base.top / ".lab.toml").write_text('[documents]\nallowed_hosts = ["docs.example.org"]\n')
    base.commit("trusted settings")
    base.git("checkout", "-q", "pr")
    base.git("rebase", "-q", "main")
    base.leaf("knowledge/science/ok", knowledge_text().replace("github.com", "docs.example.org"))
    base.commit("a document on the allowed host")
    assert judged(base) == (0, {"knowledge/science/ok/qna.yaml": []})


@pytest.mark.parametrize(
    "stray",
    ["knowledge/science/notes.md", "knowledge/science/leaf/qna.yaml/payload.txt", "foundational_skills/x/y/z.bin"],
)
def test_a_changed_file_that_belongs_to_no_leaf_is_an_error(base: Repo, stray: str) -> None:
    (base.top / stray).parent.mkdir(parents=True)
    (base.top / stray).write_text("hidden from review\n")
    base.commit("stray")
    assert judged(base) == (1, {stray: ["not-in-leaf"]})
    completed = lab_diff(base, "--no-pr", "--format", "json")
    assert completed.returncode == 0, "outside pull-request mode a stray file is a warning"


def test_leaves_are_named_by_their_full_path_and_hidden_folders_count(base: Repo) -> None:
    nested = "knowledge/Users/me/.local/share/instructlab/taxonomy/knowledge/films/history"
    base.leaf(nested, knowledge_text())
    base.leaf("knowledge/films/history", knowledge_text())
    base.leaf(".github/not-a-leaf", "broken: [\n")  # hidden folders outside the taxonomy are not leaves
    base.commit("two leaves that once shared a name")
    completed = lab_diff(base, "--format", "json")
    changed = sorted(change["leaf"] for change in json.loads(completed.stdout)["changes"])
    assert changed == sorted(["knowledge/films/history", nested])
    validate = [sys.executable, "-m", "lab_cli", "validate", "--format", "json"]
    listing = subprocess.run(validate, cwd=base.top, capture_output=True, text=True, timeout=120)
    validated = sorted(f["leaf"] for f in json.loads(listing.stdout)["files"])
    assert validated == sorted([*changed, GOOD]), "lab validate and lab diff see the same leaves"


def test_a_leaf_folder_named_with_a_newline_is_an_error(base: Repo) -> None:
    forged = "compositional_skills/writing/evil\n100644 0000000000000000000000000000000000000000\tleaves/x"
    base.leaf(forged, skill_text())
    base.commit("newline in a name")
    code, rules = judged(base)
    assert code == 1 and rules == {f"{forged}/qna.yaml": ["unsafe-name"]}


@pytest.mark.parametrize("pattern", ["'[z-a].md'", "../secret.md", "/etc/passwd", "'" + "**/" * 8 + "x.md'"])
def test_bad_document_patterns_are_errors(base: Repo, pattern: str) -> None:
    base.leaf("knowledge/science/docs", knowledge_text().replace("    - stars.md", f"    - {pattern}"))
    base.commit("hostile pattern")
    code, rules = judged(base)
    if pattern.startswith("'**"):
        assert (code, rules) == (0, {"knowledge/science/docs/qna.yaml": []}), "nested **/ are fine: no backtracking"
    else:
        assert (code, rules) == (1, {"knowledge/science/docs/qna.yaml": ["document-pattern"]})


def test_work_tree_mode_follows_no_symlink_even_inside_the_repository(base: Repo) -> None:
    folder = base.top / "compositional_skills/writing/linked"
    folder.mkdir()
    (folder / "qna.yaml").symlink_to(base.top / GOOD / "qna.yaml")
    (folder / "attribution.txt").write_text("Title of work: x\n")
    code, rules = judged(base, head=None)
    assert code == 1 and rules == {"compositional_skills/writing/linked/qna.yaml": ["unsafe-path"]}


HOSTILE = "knowledge/science/<img src=x onerror=alert(1)> `</code>` @octocat [x](https:evil) \x1b[2J #1"


def test_repository_text_is_escaped_in_every_format(base: Repo) -> None:
    base.leaf(HOSTILE, "version: 3\nbroken: [\n")
    base.commit("markup in a folder name")
    comment = lab_diff(base, "--format", "markdown").stdout
    assert "<img" not in comment and "`</code>`" not in comment and "\x1b" not in comment
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in comment and "\\@octocat" in comment
    assert "\\`&lt;/code&gt;\\`" in comment and "\\x1b\\[2J" in comment
    human = lab_diff(base).stdout
    assert "\x1b" not in human and "\\x1b[2J" in human
    annotations = lab_diff(base, "--format", "github").stdout
    assert "\x1b" not in annotations and "file=knowledge/science/<img src=x onerror=alert(1)> `</code>`" in annotations
    sarif = json.loads(lab_diff(base, "--format", "sarif").stdout)
    uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("knowledge/science/%3Cimg%20src%3Dx") and "%1B" in uri


def test_newline_in_a_name_is_shown_escaped_on_the_terminal(base: Repo) -> None:
    base.leaf("compositional_skills/writing/evil\nfake line", skill_text())
    base.commit("newline")
    human = lab_diff(base).stdout
    assert "evil\\x0afake line" in human and "evil\n" not in human
    names = lab_diff(base, "--name-only").stdout
    assert names == "compositional_skills/writing/evil\\x0afake line\n"


def test_an_alias_bomb_is_one_error_and_an_unreadable_skill_keeps_its_kind(base: Repo) -> None:
    bomb = "version: 3\n" + "".join(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9) if n else 'x'}]\n" for n in range(9))
    base.leaf("compositional_skills/writing/bomb", bomb)
    base.leaf("compositional_skills/writing/bytes", b"\xff\xfe broken")
    base.commit("bomb")
    completed = lab_diff(base, "--format", "json")
    files = {f["path"]: f for f in json.loads(completed.stdout)["validation"]["files"]}
    assert completed.returncode == 1
    assert [e["rule"] for e in files["compositional_skills/writing/bomb/qna.yaml"]["errors"]] == ["yaml-bomb"]
    assert files["compositional_skills/writing/bytes/qna.yaml"]["kind"] == "skill"
    assert "unknown kind" not in lab_diff(base).stdout


def test_a_pull_request_cannot_raise_the_git_time_limit_the_base_sets(base: Repo, monkeypatch) -> None:
    base.git("checkout", "-q", "main")
    (base.top / ".lab.toml").write_text("[limits]\ngit_timeout = 1e-6\n")  # no git command finishes that fast
    base.commit("a limit nothing meets, to make it visible")
    base.git("checkout", "-q", "pr")
    base.git("rebase", "-q", "main")
    (base.top / ".lab.toml").write_text("[limits]\ngit_timeout = 300\n")
    base.leaf("compositional_skills/writing/new", skill_text())
    base.commit("raise my own limit")
    monkeypatch.delenv("LAB_GIT_TIMEOUT", raising=False)
    for head in ("pr", None):  # commit mode and the work tree
        refused = lab_diff(base, head=head)
        assert refused.returncode == 1, refused.stdout
        assert "took longer than 1e-06 s" in refused.stderr and "[limits] git_timeout" in refused.stderr
    monkeypatch.setenv("LAB_GIT_TIMEOUT", "300")  # the bot's environment overrides the base's setting
    assert lab_diff(base).returncode == 0


def test_a_limit_the_pull_request_sets_applies_only_outside_pull_request_mode(base: Repo, monkeypatch) -> None:
    (base.top / ".lab.toml").write_text("[limits]\ngit_timeout = 1e-6\n")
    base.leaf("compositional_skills/writing/new", skill_text())
    base.commit("a limit of my own")
    monkeypatch.delenv("LAB_GIT_TIMEOUT", raising=False)
    assert lab_diff(base).returncode == 0, "pull-request mode: the base's (default) limit"
    own = lab_diff(base, "--no-pr")
    assert own.returncode == 1 and "took longer than 1e-06 s" in own.stderr


@pytest.mark.parametrize("value", ["0", "-5", '"soon"', "true", "1.5"])
def test_a_malformed_limit_is_a_usage_error(base: Repo, value: str) -> None:
    base.git("checkout", "-q", "main")
    name = "max_fetch_bytes" if value == "1.5" else "git_timeout"  # bytes are whole; seconds need not be
    (base.top / ".lab.toml").write_text(f"[limits]\n{name} = {value}\n")
    base.commit("bad limit")
    completed = lab_diff(base, head="main")
    assert completed.returncode == 2 and f"limits.{name} must be a positive number" in completed.stderr
