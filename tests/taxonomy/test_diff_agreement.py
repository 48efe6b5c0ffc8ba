"""On a random history of real leaves, lab's change list equals what ``git diff --name-status -M`` says of qna.yaml.

Random commits add, modify, rename and delete leaves taken from the example taxonomy; for many (base, head)
pairs the leaf changes must match git's own view of the qna.yaml files exactly.
"""

from __future__ import annotations

import random
import shutil

from lab_cli.gitrepo import GitRepo
from lab_cli.taxonomy.diff import diff_taxonomy
from tests.conftest import REPO_ROOT
from tests.helpers.gitrepos import Repo


def git_view(repo: Repo, base: str, head: str) -> list[tuple[str, str, str | None]]:
    out = repo.git("diff", "--name-status", "-M", "-z", base, head).split("\0")
    found, index = [], 0
    while index < len(out) and out[index]:
        status = out[index][0]
        if status == "R":
            old, new = out[index + 1], out[index + 2]
            index += 3
            if new.endswith("qna.yaml"):
                found.append(("R", new, old))
        else:
            path = out[index + 1]
            index += 2
            if path.endswith("qna.yaml"):
                found.append((status, path, None))
    return sorted(found, key=lambda change: change[1])


def test_lab_matches_git_on_a_random_history(repo: Repo) -> None:
    rng = random.Random(7)
    sources = sorted((REPO_ROOT / "taxonomy").rglob("qna.yaml"))
    live: list[str] = []
    commits = [repo.commit("empty start")]
    for step in range(40):
        action = rng.choice(["add", "add", "modify", "rename", "delete"] if live else ["add"])
        if action == "add":
            source = rng.choice(sources)
            kind = source.relative_to(REPO_ROOT / "taxonomy").parts[0]
            leaf = f"{kind}/area{rng.randrange(3)}/leaf & {step}"
            (repo.top / leaf).mkdir(parents=True)
            shutil.copy(source, repo.top / leaf / "qna.yaml")
            shutil.copy(source.parent / "attribution.txt", repo.top / leaf / "attribution.txt")
            live.append(leaf)
        elif action == "modify":
            leaf = rng.choice(live)
            with open(repo.top / leaf / "qna.yaml", "a", encoding="utf-8") as handle:
                handle.write(f"# edit {step}\n")
        elif action == "rename":
            leaf = live.pop(rng.randrange(len(live)))
            target = f"{leaf.split('/')[0]}/moved/leaf {step}"
            (repo.top / target).parent.mkdir(parents=True, exist_ok=True)
            repo.git("mv", leaf, target)
            live.append(target)
        else:
            leaf = live.pop(rng.randrange(len(live)))
            repo.git("rm", "-rq", leaf)
        commits.append(repo.commit(f"{action} {step}"))
    git = GitRepo(repo.top)
    for _ in range(25):
        base, head = sorted(rng.sample(range(len(commits)), 2))
        result = diff_taxonomy(git, commits[base], commits[head])
        lab_view = sorted(((c.status, c.path, c.old_path) for c in result.changes), key=lambda change: change[1])
        assert lab_view == git_view(repo, commits[base], commits[head])
