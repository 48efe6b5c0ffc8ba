"""A deterministic tiny task suite in taxonomy form: made-up facts and two skills, added over three commits.

Every fact is asked with four question templates; one of them (rotating) is the fact's eval question, the
other three are trained on. So the eval split is never trained on, yet answerable by a model that stored the
fact: it measures knowledge, not memorised strings. Skills are checked on word combinations never trained on.
"""

from __future__ import annotations

import random

from tests.helpers.snapshots import QA

SYLLABLES = [
    "ka",
    "ro",
    "mi",
    "tu",
    "ze",
    "lo",
    "va",
    "ni",
    "su",
    "pe",
    "da",
    "fo",
    "gi",
    "hu",
    "ja",
    "ke",
    "li",
    "mo",
    "nu",
    "ra",
    "sa",
    "ti",
    "vo",
    "wu",
    "ya",
    "zo",
]
WORDS = ["red", "fox", "sky", "pear", "tree", "moon", "rain", "salt", "wolf", "lake", "bell", "corn"]
ZORBISH = dict(
    zip(WORDS, ["ruk", "fam", "sib", "pol", "tor", "mun", "rez", "sal", "wol", "lek", "bim", "cor"], strict=True)
)

RELATIONS = {
    "knowledge/geography/capitals": (
        [
            "What is the capital of {e}?",
            "Which city is the capital of {e}?",
            "Name the capital city of {e}.",
            "In which city is the capital of {e}?",
        ],
        [
            "Port",
            "Amber",
            "Vale",
            "Corin",
            "Dusk",
            "Elmar",
            "Fenwick",
            "Galt",
            "Harrow",
            "Isen",
            "Jolt",
            "Kestrel",
            "Lumen",
            "Mire",
            "Norrow",
            "Opal",
        ],
    ),
    "knowledge/biology/creatures": (
        [
            "What colour is the {e}?",
            "Which colour does the {e} have?",
            "Name the colour of the {e}.",
            "The {e} is of which colour?",
        ],
        [
            "teal",
            "amber",
            "crimson",
            "violet",
            "ochre",
            "ivory",
            "jade",
            "scarlet",
            "azure",
            "umber",
            "coral",
            "indigo",
            "olive",
            "silver",
        ],
    ),
    "knowledge/history/inventors": (
        [
            "Who invented the {e}?",
            "Which person invented the {e}?",
            "Name the inventor of the {e}.",
            "The {e} was invented by whom?",
        ],
        [
            "Adler",
            "Brisk",
            "Calder",
            "Dorran",
            "Esker",
            "Faye",
            "Grell",
            "Hollis",
            "Ivo",
            "Jarl",
            "Kemp",
            "Lorne",
            "Mabry",
            "Nyle",
            "Orrin",
        ],
    ),
    "knowledge/astronomy/moons": (
        [
            "How many moons does {e} have?",
            "What is the number of moons of {e}?",
            "Name how many moons {e} has.",
            "Count the moons of {e}: how many?",
        ],
        ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"],
    ),
}

# commit → leaves it adds; the benchmark trains one lab model per commit
COMMITS = [
    ["knowledge/geography/capitals", "knowledge/biology/creatures"],
    ["knowledge/history/inventors", "compositional_skills/words/reverse"],
    ["knowledge/astronomy/moons", "compositional_skills/words/zorbish"],
]


def _names(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    names = []
    while len(names) < count:
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3)))).capitalize()
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def knowledge_leaf(leaf: str, facts: int, rng: random.Random, taken: set[str]) -> list[QA]:
    """``facts`` made-up facts of one relation, four questions each, the ``index % 4``-th held out for eval."""
    templates, values = RELATIONS[leaf]
    qas = []
    for index, entity in enumerate(_names(rng, facts, taken)):
        value = rng.choice(values)
        for number, template in enumerate(templates):
            split = "eval" if number == index % len(templates) else "train"
            qas.append(QA(template.format(e=entity), value, "short", split))
    return qas


def skill_leaf(leaf: str, count: int, rng: random.Random) -> list[QA]:
    """Word-list skills: reverse three words, or translate them word by word; eval on unseen combinations."""
    combos = [tuple(rng.sample(WORDS, 3)) for _ in range(count)]
    qas = []
    for index, words in enumerate(dict.fromkeys(combos)):
        if leaf.endswith("reverse"):
            question, answer = f"Reverse the words: {' '.join(words)}", " ".join(reversed(words))
        else:
            question, answer = f"Translate to Zorbish: {' '.join(words)}", " ".join(ZORBISH[w] for w in words)
        qas.append(QA(question, answer, split="eval" if index % 10 == 0 else "train"))
    return qas


def suite(facts: int = 40, skill_samples: int = 300) -> list[dict[str, list[QA]]]:
    """The leaves each commit adds (same every run: the suite has its own fixed seed)."""
    rng, taken = random.Random(1234), set()
    commits = []
    for leaves in COMMITS:
        commits.append(
            {
                leaf: knowledge_leaf(leaf, facts, rng, taken)
                if leaf.startswith("knowledge/")
                else skill_leaf(leaf, skill_samples, rng)
                for leaf in leaves
            }
        )
    return commits


def corpus(commits: list[dict[str, list[QA]]]) -> list[str]:
    """Every question and answer, for training the tiny model's tokenizer."""
    return [text for leaves in commits for qas in leaves.values() for qa in qas for text in (qa.question, qa.answer)]
