"""Content notes where a case needs one, and no stigmatizing words outside quotations."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from affirming_care.content import Vignette
from affirming_care.loader import load_course

REPO = Path(__file__).resolve().parents[1]

# Words that signal a topic needing a content note, by tag.
SIGNALS = {
    "police": r"\bpolice\b|\bcops?\b|\barrest|\braid",
    "substance-use": r"\boverdos|\bopioid|\bheroin|\bfentanyl|\bmethadone|\bbuprenorphine|\bdrinking\b|\balcohol",
    "self-harm": r"\bsuicid|\bself-harm|\bkill (?:my|her|him|them)self",
    "violence": r"\bassault|\bbeat(?:en)?\b|\battack|\bviolen",
}
# Never in course text outside quotation marks and names of laws.
STIGMA = re.compile(
    r"\bprostitut\w*|\bhookers?\b|\bwhores?\b|\bhooking\b|\bselling (?:her|his|their) bod", re.I
)
QUOTED = re.compile(r'"[^"\n]*"|“[^”]*”')
LAW_NAMES = re.compile(r"Prostitution Reform Act|Prostitution Act|Sexual Offences Act", re.I)


def case_text(v: Vignette) -> str:
    parts = [v.summary, *(s.text for s in v.scenes), *(e.text for e in v.endings)]
    parts += [x.text for s in v.scenes for x in s.variants]
    parts += [x for s in v.scenes for c in s.choices for x in (c.text, c.feedback, c.client_voice)]
    return "\n".join(parts)


@pytest.mark.parametrize("v", load_course().all_vignettes(), ids=lambda v: v.id)
def test_a_case_that_touches_a_topic_carries_its_content_note(v: Vignette) -> None:
    text = case_text(v).lower()
    tags = set(v.content_note.tags) if v.content_note else set()

    needed = {tag for tag, pattern in SIGNALS.items() if re.search(pattern, text)}

    assert needed <= tags, f"{v.id} mentions {sorted(needed - tags)} without a content note"


def course_texts() -> list[tuple[str, str]]:
    texts = [(str(p.relative_to(REPO)), p.read_text()) for p in sorted((REPO / "content").rglob("*.yml"))]
    texts += [(str(p.relative_to(REPO)), p.read_text()) for p in sorted((REPO / "book").rglob("*.md"))]
    for p in sorted((REPO / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(p, as_version=4)
        texts.append((str(p.relative_to(REPO)), "\n".join(c.source for c in nb.cells)))
    return texts


def test_no_stigmatizing_words_outside_quotations() -> None:
    found = []
    for name, text in course_texts():
        bare = LAW_NAMES.sub("", QUOTED.sub("", text))
        for m in STIGMA.finditer(bare):
            found.append(f"{name}: {m.group(0)!r}")

    assert found == []


def test_the_term_check_would_catch_a_slur() -> None:
    sample = 'A client said "I was called a hooker". The nurse called her a prostitute.'

    bare = LAW_NAMES.sub("", QUOTED.sub("", sample))

    assert [m.group(0) for m in STIGMA.finditer(bare)] == ["prostitute"]
