"""The ``affirming_care`` command."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from affirming_care import paths
from affirming_care.loader import ContentError, Course, load_course


def cmd_check(args: argparse.Namespace) -> int:
    """Validate every content file; print each problem as FILE:LINE: FIELD: MESSAGE."""
    try:
        course = load_course(args.content)
    except ContentError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) found.", file=sys.stderr)
        _check_bank(args, None)
        return 1
    n_v = len(course.all_vignettes())
    n_q = len(course.all_questions())
    n_r = len(course.all_reflections())
    print(
        f"Content is valid: {len(course.modules)} modules, {n_v} vignettes, {n_q} checks, {n_r} reflections."
    )
    evaluation = _check_evaluation(args)  # issue 13: content/evaluation.yml
    bank = _check_bank(args, course.curriculum.ids)
    return max(evaluation, bank, _check_anchors(args, course), _check_facilitator_cases(args, course))


def _check_evaluation(args: argparse.Namespace) -> int:
    from affirming_care.evaluation import check_evaluation

    status, lines = check_evaluation(args.content)
    for line in lines:
        print(line, file=sys.stderr if status else sys.stdout)
    return status


def _check_bank(args: argparse.Namespace, known_points: list[str] | None) -> int:
    """Validate the post-test bank (issue 11); 1 if it has problems. Kept apart from the content check.

    The default bank is ``assessment/posttest`` of the source repository; the learner edition has
    none, so its absence is only noted. A folder named with ``--bank`` must exist and validate.
    """
    from affirming_care.posttest import bank_root, load_banks

    folder = args.bank or bank_root()
    if args.bank is None and not folder.is_dir():
        print(f"No post-test bank at {folder}; skipped (the learner edition has none).")
        return 0
    try:
        banks = load_banks(folder, known_points)
    except ContentError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        print(f"{len(exc.problems)} post-test bank problem(s) found.", file=sys.stderr)
        return 1
    n_slots = sum(len(b.slots) for b in banks.values())
    n_items = sum(len(s.variants) for b in banks.values() for s in b.slots)
    print(f"Post-test bank is valid: {len(banks)} modules, {n_slots} slots, {n_items} items ({folder}).")
    return 0


def _own_content(course: Course) -> bool:
    """Whether the content checked is this checkout's own ``content/`` (not a fixture or a copy)."""
    from affirming_care.content import CONTENT_ROOT

    return course.root.resolve() == CONTENT_ROOT.resolve()


def _check_anchors(args: argparse.Namespace, course: Course) -> int:
    """Validate the anchored rubric (issue 13) against the rubric and reflections; 1 if it has problems.

    Like the bank, the default ``assessment/rubric`` is absent from the learner edition, so its
    absence is only noted; a folder named with ``--anchors`` must exist and cover every reflection.
    """
    from affirming_care.anchors import anchors_root, load_anchors, summary

    folder = getattr(args, "anchors", None) or anchors_root()
    if getattr(args, "anchors", None) is None and not folder.is_dir():
        print(f"No anchored rubric at {folder}; skipped (the learner edition has none).")
        return 0
    if getattr(args, "anchors", None) is None and not _own_content(course):
        print(f"Anchored rubric skipped: {course.root} is not the course's own content (use --anchors DIR).")
        return 0
    reflections = {mid: m.reflection for mid, m in course.modules.items() if m.reflection}
    try:
        found = load_anchors(course.rubric, reflections, folder)
    except ContentError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        print(f"{len(exc.problems)} anchored-rubric problem(s) found.", file=sys.stderr)
        return 1
    modules, exemplars = summary(found.values())
    print(f"Anchored rubric is valid: {modules} modules, {exemplars} exemplars ({folder}).")
    return 0


def _check_facilitator_cases(args: argparse.Namespace, course: Course) -> int:
    """Validate the facilitator-only cases (issue 13) like content cases; 1 if any has problems."""
    from affirming_care.facilitator_cases import cases_root, load_facilitator_cases

    folder = getattr(args, "facilitator_cases", None) or cases_root()
    if getattr(args, "facilitator_cases", None) is None and not folder.is_dir():
        print(f"No facilitator cases at {folder}; skipped (the learner edition has none).")
        return 0
    if getattr(args, "facilitator_cases", None) is None and not _own_content(course):
        print(f"Facilitator cases skipped: {course.root} is not the course's own content.")
        return 0
    try:
        found = load_facilitator_cases(course, folder)
    except ContentError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        print(f"{len(exc.problems)} facilitator-case problem(s) found.", file=sys.stderr)
        return 1
    print(f"Facilitator cases are valid: {len(found)} case(s) ({folder}).")
    return 0


def cmd_facilitator_cases(args: argparse.Namespace) -> int:
    """Write one page per facilitator-only case, to show on a shared screen in a session."""
    from affirming_care.facilitator_cases import load_facilitator_cases, write_case_pages

    try:
        course = load_course(args.content)
        cases = load_facilitator_cases(course, args.cases)
    except ContentError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        return 1
    for page in write_case_pages(args.out, cases):
        print(f"wrote {page}")
    return 0


def cmd_assignments(args: argparse.Namespace) -> int:
    """Write every module's nbgrader source assignment and keyless item file (or check they are current)."""
    from affirming_care.assignments import SOURCE, assignment_files

    course = load_course(args.content)
    try:
        files = assignment_files(course, args.notebooks, SOURCE, args.bank)
    except (ContentError, ValueError) as exc:
        print(f"Cannot build the assignments: {exc}", file=sys.stderr)
        return 1
    stale = []
    for path, text in files.items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if text == current:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if args.check and stale:
        for path in stale:
            print(f"{path}: out of date; run `affirming_care assignments`", file=sys.stderr)
        return 1
    print(f"{len(course.modules)} assignments {'checked' if args.check else 'up to date'}.")
    return 0


def cmd_curriculum(args: argparse.Namespace) -> int:
    """Show which guide points each module teaches and what assesses them; --write updates touched_by."""
    from affirming_care.curriculum import assessed, render_curriculum, touches, write_curriculum

    course = load_course(args.content)
    if args.write:
        print(f"wrote {write_curriculum(course)}")
        return 0
    stale = render_curriculum(course) != (course.root / "curriculum.yml").read_text(encoding="utf-8")
    found, graded = touches(course), assessed(course)
    for point in course.curriculum.points:
        print(
            f"{point.id:24} taught in {','.join(point.taught_in):12} "
            f"{len(found[point.id]):3} items, {len(graded[point.id]):2} assessed"
        )
    if stale:
        print(
            "curriculum.yml touched_by is out of date: run `affirming_care curriculum --write`",
            file=sys.stderr,
        )
        return 1
    return 0


Command = Callable[[argparse.Namespace], int]

COMMAND_GROUPS = ["grade_cli", "cohort_cli", "lms.cli", "review_packet", "edition"]
"""Modules that add their own subcommands with ``register(subparsers)``."""


def package_version() -> str:
    """The installed package's version (pyproject.toml's ``version``)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("affirming-care")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="affirming_care", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="validate all course content (vignettes, checks, rubrics)")
    p.add_argument("--content", type=Path, default=None, help="content folder (default: the course's)")
    p.add_argument(
        "--bank", type=Path, default=None, help="post-test bank folder (default: assessment/posttest)"
    )
    p.add_argument(
        "--anchors", type=Path, default=None, help="anchored-rubric folder (default: assessment/rubric)"
    )
    p.add_argument(
        "--facilitator-cases",
        type=Path,
        default=None,
        help="facilitator-only case folder (default: assessment/facilitator-cases)",
    )
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("facilitator-cases", help="write the facilitator-only cases as pages to show a group")
    p.add_argument("--out", type=Path, required=True, help="folder for the pages (keep it from learners)")
    p.add_argument("--content", type=Path, default=None)
    p.add_argument(
        "--cases", type=Path, default=None, help="case folder (default: assessment/facilitator-cases)"
    )
    p.set_defaults(func=cmd_facilitator_cases)
    p = sub.add_parser("assignments", help="build nbgrader source assignments from the content")
    p.add_argument("--content", type=Path, default=None)
    p.add_argument("--notebooks", type=Path, default=paths.course_root() / "notebooks")
    p.add_argument("--check", action="store_true", help="only report assignments that are out of date")
    p.add_argument(
        "--bank",
        type=Path,
        default=None,
        help="a private post-test bank folder; its modules replace the shipped bank's (default: assessment/posttest)",
    )
    p.set_defaults(func=cmd_assignments)
    p = sub.add_parser("curriculum", help="show guide-point coverage; --write updates curriculum.yml")
    p.add_argument("--content", type=Path, default=None)
    p.add_argument("--write", action="store_true", help="rewrite touched_by in curriculum.yml")
    p.set_defaults(func=cmd_curriculum)
    for name in COMMAND_GROUPS:
        try:
            group = importlib.import_module(f"affirming_care.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"affirming_care.{name}":
                raise
            continue
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Command = args.func
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
