"""The course's content model: what a valid vignette, check, reflection and module is.

Every case, question and rubric lives in a YAML file under ``content/``. This module is the one
place that says what those files may hold. The widgets, the static renderer, the nbgrader
assignments and the progress views all read the objects defined here, never the YAML itself.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from affirming_care import paths

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60)]
"""Lower-case words joined by hyphens, such as ``m02-jade-couples``."""

ModuleId = Annotated[str, StringConstraints(pattern=r"^m(0\d|1[0-2])$")]
"""``m00`` to ``m12``."""

GuidePointId = Annotated[str, StringConstraints(pattern=r"^[A-Z]+(?:-[A-Z]+)+$")]
"""A guide point ID from the curriculum map, such as ``MISTAKE-COERCION``."""

Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
"""Markdown text; never empty."""

KindOfWork = Literal[
    "full-service",
    "street-based",
    "survival",
    "online-content",
    "webcam",
    "dancing",
    "porn",
    "phone-text",
    "domination",
    "sugar",
    "escort",
    "massage",
]
"""Kinds of sex work, from the curriculum map's list of what cases should cover."""

Setting = Literal[
    "private-practice",
    "community-mental-health",
    "hospital",
    "substance-use-treatment",
    "housing",
    "couples-therapy",
    "primary-care",
    "sexual-health-clinic",
    "peer-support",
    "university-counseling",
    "crisis-line",
    "employee-assistance",
    "group-practice",
    "telehealth",
    "child-welfare",
    "probation",
    "school",
]
"""The professional setting in which the case is seen."""

Identity = Literal[
    "trans",
    "non-binary",
    "cis",
    "black",
    "brown",
    "indigenous",
    "asian",
    "white",
    "disabled",
    "neurodivergent",
    "immigrant",
    "man",
    "woman",
    "older-adult",
    "young-adult",
    "parent",
    "student",
    "queer",
    "low-income",
]
"""Identity tags used to keep the set of cases varied (the map lists which must appear)."""

ContentTag = Literal[
    "violence",
    "police",
    "substance-use",
    "self-harm",
    "sexual-violence",
    "coercion",
    "child-protection",
    "immigration",
    "privacy",
]
"""Topics that require a content note before a case starts."""

Fit = Literal["strong", "defensible", "partial", "harmful"]
"""How well a response fits affirming practice; shown to the learner in words, not colour.

``defensible``: a sound response with a real trade-off; its feedback names what it gains and what it
costs. A decision point may have two defensible responses and no single strong one.
"""

FIT_LABELS: dict[str, str] = {
    "strong": "A strong response",
    "defensible": "Defensible, with a trade-off",
    "partial": "Partly helpful",
    "harmful": "Likely to cause harm",
}

GOOD_FITS: frozenset[str] = frozenset({"strong", "defensible"})
"""Fits that count as a sound answer at a decision point."""

HardCase = Literal[
    "coercion-present",
    "minor",
    "mandated-report",
    "dual-role",
    "harmed-wants-to-leave",
    "harmed-wants-to-stay",
    "migrant-legal-risk",
    "points-in-tension",
]
"""The hard judgements a case may train (issue 12). Each needs a content note on the case."""

MINOR_MIN_AGE = 16
"""Clients under 18 appear only in cases tagged ``minor``, and never younger than this."""


class Strict(BaseModel):
    """Base for content: unknown fields are errors, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Client(Strict):
    """The fictional composite client at the centre of a case."""

    name: Text
    pronouns: Text
    age: Annotated[int, Field(ge=MINOR_MIN_AGE, le=99)] = Field(
        description="18 or over, unless the case is tagged hard_case: [minor] (then 16 or 17)"
    )
    identities: list[Identity] = Field(min_length=1)
    work: list[KindOfWork] = Field(min_length=1, description="Kinds of sex work the client does or did")
    reason: Text = Field(description="Why the client came, in a few words")
    reason_is_sex_work: bool = Field(description="True when sex work itself is why the client came")


class ContentNote(Strict):
    tags: list[ContentTag] = Field(min_length=1)
    text: Text


FlagId = Id
Flags = AbstractSet[str]
"""A named flag that a choice sets and later scenes read, such as ``wrote-her-work-in-file``."""


class Condition(Strict):
    """Shown (or taken) only ``when`` a flag is set, or ``unless`` it is. Flags only, no expressions."""

    when: FlagId | None = None
    unless: FlagId | None = None

    @model_validator(mode="after")
    def _one_condition(self) -> Condition:
        if self.when and self.unless:
            raise ValueError("give when or unless, not both")
        return self

    def holds(self, flags: Flags) -> bool:
        """Whether the condition holds with these flags set (no condition always holds)."""
        if self.when is not None:
            return self.when in flags
        if self.unless is not None:
            return self.unless not in flags
        return True

    @property
    def reads(self) -> str | None:
        return self.when or self.unless


class Conditional(Condition):
    """A condition that must be given (a variant, a conditional next)."""

    @model_validator(mode="after")
    def _needs_condition(self) -> Conditional:
        if not self.when and not self.unless:
            raise ValueError("give when (a flag) or unless (a flag)")
        return self


class Variant(Conditional):
    """Text a scene shows instead of its own when the condition holds (the first that holds wins)."""

    text: Text


class NextIf(Conditional):
    """Where to go instead of ``next`` when the condition holds (the first that holds wins)."""

    next: Id


class Choice(Condition):
    """One response a professional might give at a decision point.

    ``when``/``unless``: the response is offered only when (or unless) a flag is set. ``set``: the
    flags this response sets for the rest of the path. ``next_if``: where it leads instead of ``next``
    when a flag holds (the response's own ``set`` counts).
    """

    id: Id
    text: Text = Field(description="What the professional says or does")
    fit: Fit
    feedback: Text = Field(description="Why this fits or does not, naming the guide point")
    client_voice: Text = Field(description="How it may land, in the client's own voice")
    guide_points: list[GuidePointId] = Field(min_length=1)
    next: Id = Field(description="The scene or ending this response leads to")
    set: list[FlagId] = Field(default_factory=list, description="Flags this response sets")
    next_if: list[NextIf] = Field(default_factory=list)

    def target(self, flags: Flags) -> str:
        """Where this response leads with these flags set (its own ``set`` included)."""
        return _first_next(self.next_if, frozenset(flags) | frozenset(self.set), self.next)


def _first_next(rules: list[NextIf], flags: Flags, default: str) -> str:
    return next((r.next for r in rules if r.holds(flags)), default)


class Scene(Strict):
    """Part of a case. A scene with choices is a decision point; one without continues to ``next``."""

    id: Id
    text: Text
    prompt: str = "What do you say or do?"
    choices: list[Choice] = Field(default_factory=list)
    next: Id | None = None
    variants: list[Variant] = Field(
        default_factory=list, description="Text shown instead of ``text`` when a flag holds"
    )
    next_if: list[NextIf] = Field(default_factory=list, description="Conditional next (no choices)")

    def shown_text(self, flags: Flags) -> str:
        """The text the learner reads with these flags set: the first variant that holds, or ``text``."""
        return next((x.text for x in self.variants if x.holds(flags)), self.text)

    def offered(self, flags: Flags) -> list[Choice]:
        """The responses offered with these flags set."""
        return [c for c in self.choices if c.holds(flags)]

    @model_validator(mode="after")
    def _choices_or_next(self) -> Scene:
        if self.choices and self.next:
            raise ValueError("a scene has either choices or next, not both")
        if not self.choices and not self.next:
            raise ValueError("a scene needs choices (a decision point) or next (where it goes)")
        ids = [c.id for c in self.choices]
        if len(ids) != len(set(ids)):
            raise ValueError(f"choice ids repeat in scene {self.id!r}: {ids}")
        if self.choices and len(self.choices) < 2:
            raise ValueError("a decision point needs at least two choices")
        if self.choices and self.next_if:
            raise ValueError("next_if belongs on a scene without choices; put it on a choice instead")
        return self


class Ending(Strict):
    id: Id
    title: Text
    text: Text


class Vignette(Strict):
    """A branching case: a content note, scenes with decision points, and endings."""

    id: Id
    module: ModuleId
    title: Text
    summary: Text
    professional: Text = Field(description="Who sees the client, such as 'hospital social worker'")
    setting: Setting
    client: Client
    content_note: ContentNote | None = None
    hard_case: list[HardCase] = Field(
        default_factory=list, description="The hard judgements this case trains; needs a content note"
    )
    guide_points: list[GuidePointId] = Field(min_length=1)
    flags: dict[FlagId, Text] = Field(
        default_factory=dict,
        description="Each flag a choice sets, with what it means in plain words, after 'If': "
        "'you wrote her work in her file'",
    )
    start: Id
    scenes: list[Scene] = Field(min_length=1)
    endings: list[Ending] = Field(min_length=1)

    def hard_case_problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Where the hard-case marking is inconsistent, as (field path, message) pairs.

        A client under 18 only in a case tagged ``minor``; a ``minor`` case only with a client of 16
        or 17; every hard case with a content note; no tag twice.
        """
        found: list[tuple[tuple[str | int, ...], str]] = []
        if len(self.hard_case) != len(set(self.hard_case)):
            found.append((("hard_case",), f"hard_case repeats a value: {self.hard_case}"))
        if self.hard_case and self.content_note is None:
            found.append((("hard_case",), "a case with hard_case needs a content_note"))
        minor = "minor" in self.hard_case
        if self.client.age < 18 and not minor:
            found.append(
                (
                    ("client", "age"),
                    f"client.age is {self.client.age}: a client under 18 needs hard_case to include 'minor'",
                )
            )
        if minor and self.client.age >= 18:
            found.append(
                (
                    ("client", "age"),
                    f"hard_case includes 'minor' but client.age is {self.client.age}; expected 16 or 17",
                )
            )
        return found

    def graph_problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Where the case's branches are broken, as (field path, message) pairs.

        Checked by the loader rather than a validator, so each problem can point at its own line.
        """
        scene_ids = [s.id for s in self.scenes]
        ending_ids = [e.id for e in self.endings]
        targets = set(scene_ids) | set(ending_ids)
        found: list[tuple[tuple[str | int, ...], str]] = self.hard_case_problems()
        seen: set[str] = set()
        for i, sid in enumerate(scene_ids):
            if sid in seen:
                found.append((("scenes", i, "id"), f"{sid!r} is used twice"))
            seen.add(sid)
        for i, eid in enumerate(ending_ids):
            if eid in seen:
                found.append((("endings", i, "id"), f"{eid!r} is already a scene or ending id"))
            seen.add(eid)
        if self.start not in scene_ids:
            found.append((("start",), f"{self.start!r} is not a scene id; expected one of {scene_ids}"))
        expected = f"expected a scene or ending id: {sorted(targets)}"
        for i, scene in enumerate(self.scenes):
            if scene.next is not None and scene.next not in targets:
                found.append(
                    (("scenes", i, "next"), f"leads to {scene.next!r}, which does not exist; {expected}")
                )
            for k, rule in enumerate(scene.next_if):
                if rule.next not in targets:
                    found.append(
                        (
                            ("scenes", i, "next_if", k, "next"),
                            f"leads to {rule.next!r}, which does not exist; {expected}",
                        )
                    )
            for j, c in enumerate(scene.choices):
                for loc, target in [(("next",), c.next)] + [
                    (("next_if", k, "next"), r.next) for k, r in enumerate(c.next_if)
                ]:
                    if target not in targets:
                        found.append(
                            (
                                ("scenes", i, "choices", j, *loc),
                                f"leads to {target!r}, which does not exist; {expected}",
                            )
                        )
        found += flag_problems(self)
        if len(found) == len(self.hard_case_problems()):
            reached = self.reachable()
            for i, sid in enumerate(scene_ids):
                if sid not in reached:
                    found.append(
                        (("scenes", i, "id"), f"scene {sid!r} can never be reached from {self.start!r}")
                    )
            for i, eid in enumerate(ending_ids):
                if eid not in reached:
                    found.append(
                        (("endings", i, "id"), f"ending {eid!r} can never be reached from {self.start!r}")
                    )
        return found

    def reachable(self) -> set[str]:
        seen, todo = set(), [self.start]
        scenes = {s.id: s for s in self.scenes}
        while todo:
            cur = todo.pop()
            if cur in seen:
                continue
            seen.add(cur)
            if cur in scenes:
                s = scenes[cur]
                todo += [c.next for c in s.choices] + ([s.next] if s.next else [])
                # Every conditional branch counts: a scene unreachable under every flag is caught.
                todo += [r.next for c in s.choices for r in c.next_if] + [r.next for r in s.next_if]
        return seen

    def flag_reads(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Every place a flag is read, as (field path, flag)."""
        reads: list[tuple[tuple[str | int, ...], str]] = []
        for i, s in enumerate(self.scenes):
            for part, conditions in (("variants", s.variants), ("next_if", s.next_if)):
                reads += [(("scenes", i, part, k), x.reads) for k, x in enumerate(conditions) if x.reads]
            for j, c in enumerate(s.choices):
                if c.reads:
                    reads.append((("scenes", i, "choices", j, "when" if c.when else "unless"), c.reads))
                reads += [
                    (("scenes", i, "choices", j, "next_if", k), r.reads)
                    for k, r in enumerate(c.next_if)
                    if r.reads
                ]
        return reads

    def flag_sets(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Every place a flag is set, as (field path, flag)."""
        return [
            (("scenes", i, "choices", j, "set", k), f)
            for i, s in enumerate(self.scenes)
            for j, c in enumerate(s.choices)
            for k, f in enumerate(c.set)
        ]

    def scene(self, scene_id: str) -> Scene | None:
        return next((s for s in self.scenes if s.id == scene_id), None)

    def ending(self, ending_id: str) -> Ending | None:
        return next((e for e in self.endings if e.id == ending_id), None)

    @property
    def decision_points(self) -> list[Scene]:
        return [s for s in self.scenes if s.choices]


def _assignments(flags: list[str]) -> list[frozenset[str]]:
    """Every set of these flags (a decision point reads a few at most)."""
    out = [frozenset[str]()]
    for f in flags:
        out += [a | {f} for a in out]
    return out


def flag_problems(v: Vignette) -> list[tuple[tuple[str | int, ...], str]]:
    """Where a case's flags are inconsistent, as (field path, message) pairs.

    A flag read (``when``, ``unless``) but never set is an error: that branch or text can never
    change. A flag set but never read is an error too: it promises the learner a consequence that
    never comes, which is the fault these flags exist to fix. Every flag used is declared in
    ``flags`` with its plain words (the static view labels variants with them), and every declared
    one is used. A decision point offers at least two responses whatever its flags are.
    """
    found: list[tuple[tuple[str | int, ...], str]] = []
    reads, sets = v.flag_reads(), v.flag_sets()
    read_names, set_names = {f for _, f in reads}, {f for _, f in sets}
    for loc, f in reads:
        if f not in set_names:
            found.append((loc, f"reads the flag {f!r}, which no choice in this case sets (set: [{f}])"))
    for loc, f in sets:
        if f not in read_names:
            found.append((loc, f"sets the flag {f!r}, which nothing in this case reads (when or unless)"))
    for loc, f in reads + sets:
        if f not in v.flags:
            found.append((loc, f"the flag {f!r} is not declared: add it under flags: with its plain words"))
    for f in v.flags:
        if f not in read_names | set_names:
            found.append((("flags", f), f"the flag {f!r} is declared but no choice sets it"))
    for i, s in enumerate(v.scenes):
        conditions = sorted({c.reads for c in s.choices if c.reads})
        for flags in _assignments(conditions) if conditions else []:
            if len(s.offered(flags)) < 2:
                said = ", ".join(sorted(flags)) or "no flag"
                found.append(
                    (
                        ("scenes", i, "choices"),
                        f"with {said} set, fewer than two responses are offered; expected two or more",
                    )
                )
                break
    return found


class Option(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-h]$")]
    text: Text
    correct: bool
    feedback: Text = Field(description="Why this option is or is not right")


class Question(Strict):
    """A knowledge check answered by clicking: one answer (single) or several (multiple)."""

    id: Id
    kind: Literal["single", "multiple"]
    prompt: Text
    points: Annotated[int, Field(ge=1, le=5)] = 1
    guide_points: list[GuidePointId] = Field(min_length=1)
    options: list[Option] = Field(min_length=2, max_length=8)

    @model_validator(mode="after")
    def _has_right_answers(self) -> Question:
        ids = [o.id for o in self.options]
        if len(ids) != len(set(ids)):
            raise ValueError(f"option ids repeat: {ids}")
        right = [o.id for o in self.options if o.correct]
        if self.kind == "single" and len(right) != 1:
            raise ValueError(f"a single-choice question needs exactly one correct option, has {right}")
        if self.kind == "multiple" and not right:
            raise ValueError("a multiple-choice question needs at least one correct option")
        return self

    @property
    def answer(self) -> frozenset[str]:
        return frozenset(o.id for o in self.options if o.correct)

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


class CheckSet(Strict):
    """All knowledge checks of one module (``checks.yml``)."""

    module: ModuleId
    questions: list[Question] = Field(min_length=1)


class Level(Strict):
    score: Annotated[int, Field(ge=0, le=3)]
    description: Text


class Criterion(Strict):
    id: Id
    title: Text
    levels: list[Level] = Field(min_length=4, max_length=4)


class Rubric(Strict):
    """The four-criterion rubric that every graded reflection uses (``content/rubric.yml``)."""

    id: Id
    title: Text
    criteria: list[Criterion] = Field(min_length=4, max_length=4)

    @property
    def max_points(self) -> int:
        return sum(max(level.score for level in c.levels) for c in self.criteria)


class Reflection(Strict):
    """A free-text reflection about practice, graded by hand against the rubric."""

    id: Id
    module: ModuleId
    title: Text
    prompt: Text
    guide_points: list[GuidePointId] = Field(min_length=1)
    look_for: list[Text] = Field(
        min_length=2, description="What a strong answer does; shown to learners and graders"
    )
    words: tuple[int, int] = (150, 350)


class ModuleMeta(Strict):
    """A module's metadata (``module.yml``). Its teaching prose lives in its notebook."""

    id: ModuleId
    number: Annotated[int, Field(ge=0, le=12)]
    title: Text
    notebook: Annotated[str, StringConstraints(pattern=r"^m\d\d-[a-z0-9-]+$")]
    minutes: Annotated[int, Field(ge=10, le=240)] = Field(description="Estimated learner time")
    guide_points: list[GuidePointId] = Field(min_length=1)
    summary: Text

    @model_validator(mode="after")
    def _number_matches(self) -> ModuleMeta:
        if self.id != f"m{self.number:02d}":
            raise ValueError(f"id {self.id!r} does not match number {self.number}")
        if not self.notebook.startswith(self.id + "-"):
            raise ValueError(f"notebook {self.notebook!r} must start with {self.id + '-'!r}")
        return self


class GuidePoint(Strict):
    id: GuidePointId
    summary: Text
    taught_in: list[ModuleId] = Field(min_length=1)
    touched_by: list[Id] = Field(default_factory=list)


class Curriculum(Strict):
    """Every point of the guide, with the module that teaches it (``content/curriculum.yml``)."""

    title: Text
    source: Text
    pass_mark: Annotated[float, Field(gt=0, le=1)] = 0.75
    points: list[GuidePoint] = Field(min_length=1)

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.points]


# The course's own content: in the installed package, or in the checkout it was installed from.
CONTENT_ROOT = paths.course_root() / "content"
