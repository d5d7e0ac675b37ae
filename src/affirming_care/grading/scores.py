"""A submission's score as the course reports it."""

from __future__ import annotations

from typing import Any


def final_score(submission: Any) -> float:
    """An nbgrader submission's score after its late penalty, never below 0."""
    return max(0.0, float(submission.score) - float(submission.late_submission_penalty or 0.0))
