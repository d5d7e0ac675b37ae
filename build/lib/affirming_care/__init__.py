"""Sex Work–Affirming Care: the course's own small package.

Public surface: ``Module`` (what notebooks use), ``load_course`` (the validated content).
"""

from affirming_care.loader import ContentError, load_course
from affirming_care.module import Module

__all__ = ["ContentError", "Module", "load_course"]
