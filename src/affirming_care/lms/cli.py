"""``affirming_care package``: a course package for a learning management system."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from affirming_care import paths

from .book import BookError
from .packager import FORMATS, build_package

REPO = paths.course_root()


def cmd_package(args: argparse.Namespace) -> int:
    """Build the zip; print where it is, its size and its activities."""
    modules = [m.strip() for m in args.modules.split(",")] if args.modules else None
    try:
        package = build_package(
            args.book,
            args.format,
            args.out,
            per_module=args.per_module,
            modules=modules,
            mastery=args.mastery,
        )
    except BookError as exc:
        print(f"affirming_care package: {exc}", file=sys.stderr)
        return 1
    kind = "activity" if len(package.activities) == 1 else "activities"
    print(
        f"wrote {package.path} ({package.size} bytes, {args.format}, "
        f"{len(package.activities)} {kind}: {', '.join(package.activities)})"
    )
    return 0


def _mastery(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (expected 0 to 1, e.g. 0.8)") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is outside 0 to 1")
    return value


def register(sub: Any) -> None:
    """Add the ``package`` subcommand to the ``affirming_care`` command."""
    p = sub.add_parser("package", help="build a SCORM 1.2, SCORM 2004 or cmi5 package from the built book")
    p.add_argument("--format", choices=sorted(FORMATS), required=True)
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--per-module",
        dest="per_module",
        action="store_true",
        default=True,
        help="one activity per module (default)",
    )
    group.add_argument(
        "--single", dest="per_module", action="store_false", help="one activity for the whole course"
    )
    p.add_argument("--out", type=Path, required=True, help="folder for the zip")
    p.add_argument(
        "--book",
        type=Path,
        default=REPO / "_build" / "html",
        help="the built book (default: _build/html, which `make book` writes)",
    )
    p.add_argument("--modules", default=None, help="only these modules, e.g. m01,m02 (default: every module)")
    p.add_argument(
        "--mastery",
        type=_mastery,
        default=None,
        help="a pass mark on the practice score, 0 to 1; without it, completion only",
    )
    p.set_defaults(func=cmd_package)
