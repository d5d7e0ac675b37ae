"""When a module passes: the one rule every export, certificate and count uses (issue 11).

A module passes when

1. its post-test (the autograded cells of the module's assignment, ``mNN_post_<slug>``) earns at
   least ``pass_mark`` (default 0.75) of the post-test's points, **on its own**: a full reflection
   never makes up for a weak post-test; and
2. where the assignment has a manually graded reflection cell (``mNN_reflection``, 12 rubric
   points), that reflection earns at least ``reflection_threshold`` (default 8) rubric points.

A module whose reflection a grader has not scored yet is **waiting**: neither passed nor failed.
Both figures are course settings (``affirming-care-course.json``: ``pass_mark``,
``reflection_threshold``). Partial credit on a post-test item (the rule in
:mod:`affirming_care.posttest`) counts as the fraction it is, for example 0.5 of a point.

The late penalty nbgrader may apply lowers the score sent to an LMS; it does not enter this rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Verdict = Literal["passed", "not passed", "waiting", "not submitted"]

DEFAULT_PASS_MARK = 0.75
DEFAULT_REFLECTION_THRESHOLD = 8.0
REFLECTION_MAX = 12.0
_EPS = 1e-9


@dataclass(frozen=True)
class PassRule:
    """The pass mark (a share of the post-test's points) and the reflection threshold (rubric points)."""

    pass_mark: float = DEFAULT_PASS_MARK
    reflection_threshold: float = DEFAULT_REFLECTION_THRESHOLD

    def posttest_passed(self, earned: float | None, possible: float) -> bool:
        """The post-test alone reaches the pass mark (a post-test with no points never passes)."""
        return earned is not None and possible > 0 and earned >= self.pass_mark * possible - _EPS

    def reflection_passed(self, score: float | None) -> bool:
        return score is not None and score >= self.reflection_threshold - _EPS

    def verdict(
        self,
        *,
        submitted: bool,
        posttest_earned: float | None,
        posttest_possible: float,
        reflection_max: float | None,
        reflection_score: float | None,
        reflection_graded: bool,
    ) -> Verdict:
        """``reflection_max`` None: the assignment has no manually graded reflection cell."""
        if not submitted:
            return "not submitted"
        if reflection_max is not None and not reflection_graded:
            return "waiting"
        if not self.posttest_passed(posttest_earned, posttest_possible):
            return "not passed"
        if reflection_max is not None and not self.reflection_passed(reflection_score):
            return "not passed"
        return "passed"
