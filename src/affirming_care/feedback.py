"""Compatibility: existing course folders' nbgrader config names ``affirming_care.feedback.HideTracebacks``."""

from affirming_care.grading.preprocessors import HideTracebacks

__all__ = ["HideTracebacks"]
