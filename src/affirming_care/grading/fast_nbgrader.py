"""Two measured shortcuts for running nbgrader's ``Autograde`` many times in one process.

Grading a 40-learner cohort from answer files spent most of its time not grading but
(measured with cProfile, ``benchmarks/autograde_benchmark.py``):

* opening the gradebook about nine times per hand-in: each ``Gradebook(...)`` makes a new
  SQLAlchemy engine, inspects the tables, runs ``create_all`` and loses the engine's cache of
  compiled queries (a quarter of the time);
* checking nbgrader's own metadata schema against the JSON Schema meta-schema once for every
  cell (``jsonschema.validate`` does that on each call; another fifth).

``one_gradebook_session`` makes every ``Gradebook`` opened on the course's database in this
process share one engine and one session until the block ends, and ``cached_schema_checks``
validates each cell against a validator built once. Both put nbgrader back as it was on leaving
and change nothing that is written: the same rows, the same autograded notebooks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def one_gradebook_session(db_url: str, course_id: str) -> Iterator[Any]:
    """Within the block, ``nbgrader.api.Gradebook(db_url, ...)`` reuses one engine and one session."""
    from nbgrader import api

    cls = api.Gradebook
    real_init, real_close = cls.__init__, cls.close
    shared = cls(db_url, course_id)

    def init(self: Any, url: str, course_id: str = "default_course", authenticator: Any = None) -> None:
        if url != db_url:
            real_init(self, url, course_id, authenticator)
            return
        self.engine, self.db, self._shared = shared.engine, shared.db, True
        self.check_course(course_id=course_id)
        self.course_id, self.authenticator = course_id, authenticator

    def close(self: Any) -> None:
        if getattr(self, "_shared", False):
            self.db.commit()  # what a fresh session would have seen as saved; nbgrader commits its own
            return
        real_close(self)

    cls.__init__, cls.close = init, close
    try:
        yield shared
    finally:
        cls.__init__, cls.close = real_init, real_close
        real_close(shared)


class _CachedJsonschema:
    """``jsonschema`` as nbgrader's metadata validator uses it, with one validator per schema."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self._validators: dict[str, Any] = {}

    def validate(self, instance: Any, schema: Any) -> None:
        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            cls = self._real.validators.validator_for(schema)
            cls.check_schema(schema)
            validator = self._validators[key] = cls(schema)
        error = self._real.exceptions.best_match(validator.iter_errors(instance))
        if error is not None:
            raise error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@contextmanager
def cached_schema_checks() -> Iterator[None]:
    """Within the block, nbgrader checks cell metadata with validators built once, not once per cell."""
    from nbgrader.nbgraderformat import common

    real = common.jsonschema
    common.jsonschema = _CachedJsonschema(real)
    try:
        yield
    finally:
        common.jsonschema = real
