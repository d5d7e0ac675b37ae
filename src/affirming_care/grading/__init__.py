"""The instructor side of the course: one course folder, graded on nbgrader, one step per module.

Released notebooks' hidden tests run ``from affirming_care.grading import expect_answer`` in the
learner's kernel, so this package imports nothing heavy: import a step's own module for the rest.

- ``course``: the course folder, its settings and config, state paths, module checks
- ``gradebook``: nbgrader's API, config and gradebook for a course folder (the one opener)
- ``scores``: a submission's final score
- ``roster``: reading and importing the roster CSV
- ``init``: creating or refreshing a course folder
- ``release``, ``collect``, ``inspect``, ``autograde``, ``status``, ``feedback``: the grading steps
- ``preprocessors``: nbgrader feedback preprocessors that keep answer keys out of feedback
- ``exports``, ``certificates``, ``dashboard``, ``rehearsal``: what is built on the gradebook
- ``hidden_tests``: what hidden tests call (``expect_answer``)
"""

from __future__ import annotations

from affirming_care.grading.hidden_tests import NotAwarded, expect_answer, expect_posttest, expect_precheck

__all__ = ["NotAwarded", "expect_answer", "expect_posttest", "expect_precheck"]
