"""The shipped general prompts: a fixed probe half and rehearsal half that never overlap, user probes that are
never rehearsed, and probe files whose mistakes are named by line."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from lab_cli.errors import LabError
from lab_cli.general.probes import (
    TAXONOMY_PROBE_FILE,
    probe_prompts,
    probe_set,
    prompt_half,
    read_prompt_file,
    rehearsal_prompts,
    shipped_prompts,
)


def test_the_probe_and_rehearsal_halves_never_overlap_and_hold_every_prompt() -> None:
    shipped = shipped_prompts()
    probes, rehearsal = probe_prompts(), rehearsal_prompts()
    assert len(shipped) >= 190 and len({p.digest for p in shipped}) == len(shipped)  # no prompt twice
    assert not {p.digest for p in probes} & {p.digest for p in rehearsal}
    assert {p.digest for p in probes} | {p.digest for p in rehearsal} == {p.digest for p in shipped}
    categories = Counter(p.category for p in shipped)
    assert len(categories) >= 7 and all(count >= 10 for count in categories.values()), categories
    assert {p.category for p in probes} == {p.category for p in rehearsal} == set(categories)
    assert probe_prompts(10) == probes[:10] and rehearsal_prompts(5) == rehearsal[:5]


def test_the_split_is_a_hash_of_the_prompt_text_not_a_shuffle() -> None:
    for prompt in shipped_prompts():  # recomputed here from the text alone: no position, order or chance
        bit = int(hashlib.sha256(" ".join(prompt.text.split()).casefold().encode()).hexdigest()[:8], 16) >> 31
        assert prompt_half(prompt.text) == ("rehearsal" if bit else "probe"), prompt.text
    pinned = {"Hello!": "rehearsal", "Good morning!": "probe", "What is 9 times 8?": "probe"}  # fixed for good
    assert {text: prompt_half(text) for text in pinned} == pinned
    assert prompt_half("  hello!  ") == prompt_half("Hello!")  # case and spacing do not move a prompt
    assert [p.text for p in probe_prompts(3)] == [p.text for p in probe_prompts(3)]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_users_probe_is_measured_and_never_rehearsed(tmp_path: Path) -> None:
    rehearsed = rehearsal_prompts()[0]
    taxonomy = tmp_path / "taxonomy"
    taxonomy.mkdir()
    repeated = json.dumps({"prompt": rehearsed.text.upper()})  # the same prompt, in other case
    _write(taxonomy / TAXONOMY_PROBE_FILE, [repeated, "", json.dumps({"prompt": "Name a colour.", "category": "x"})])
    extra = read_prompt_file(_write(tmp_path / "more.jsonl", [json.dumps({"prompt": "What is 2 + 2?"})]))
    chosen = probe_set(taxonomy, 4, extra)
    assert [p.text for p in chosen[4:]] == [rehearsed.text.upper(), "Name a colour.", "What is 2 + 2?"]
    assert chosen[:4] == probe_prompts(4) and chosen[5].source == f"{taxonomy / TAXONOMY_PROBE_FILE}:3"
    kept = rehearsal_prompts(excluding=chosen)
    assert rehearsed.digest not in {p.digest for p in kept} and len(kept) == len(rehearsal_prompts()) - 1


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"prompt": "unterminated', "not a JSON object"),
        ('["What is rain?"]', 'expected a JSON object with a "prompt", found list'),
        ('{"text": "What is rain?"}', "unknown key 'text'"),
        ('{"prompt": "   "}', '"prompt" must be a non-empty string'),
        ('{"prompt": 3}', '"prompt" must be a non-empty string'),
        ('{"prompt": "What is rain?", "category": ""}', '"category" must be a non-empty string'),
    ],
)
def test_a_malformed_probe_line_is_an_error_naming_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = _write(tmp_path / "probes.jsonl", [json.dumps({"prompt": "Fine."}), "", line])
    with pytest.raises(LabError) as raised:
        read_prompt_file(path)
    assert str(raised.value).startswith(f"{path}:3: ") and message in str(raised.value)


def test_lab_eval_names_the_bad_line_of_a_probe_file_before_any_work(tmp_path: Path, capsys) -> None:
    from lab_cli.cli.main import main

    bad = _write(tmp_path / "mine.jsonl", [json.dumps({"prompt": "Fine."}), "not json"])
    assert main(["eval", "--model", str(tmp_path / "no-model"), "--probe", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:2: not a JSON object" in err and "Traceback" not in err
    assert main(["eval", "--model", str(tmp_path), "--probe", str(tmp_path / "absent.jsonl")]) == 1
    assert "absent.jsonl: no such probe file" in capsys.readouterr().err
    (tmp_path / "latin.jsonl").write_bytes(b'{"prompt": "ok"}\n{"prompt": "caf\xe9"}\n')
    assert main(["eval", "--model", str(tmp_path), "--probe", str(tmp_path / "latin.jsonl")]) == 1
    assert "latin.jsonl:2: not UTF-8 text" in capsys.readouterr().err
