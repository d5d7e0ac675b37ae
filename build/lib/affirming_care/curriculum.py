"""Which content touches which guide point: the curriculum's coverage, computed from the content.

``content/curriculum.yml`` lists each point's ``touched_by`` (vignettes, checks, reflections); this
module computes those lists from the content itself, so the file can be regenerated and a test
can tell when it is stale.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from affirming_care.loader import Course

HEADER = """\
# Every point of the guide, with a stable ID (from the curriculum map), a one-line paraphrase,
# and the module that teaches it. `touched_by` lists the vignettes, checks and reflections that
# name the point; it is generated: run `affirming_care curriculum --write` after changing content.
"""


def touches(course: Course) -> dict[str, list[str]]:
    """For each guide point, the ids of the vignettes, checks and reflections that name it."""
    found: dict[str, list[str]] = {gp: [] for gp in course.curriculum.ids}

    def add(points: list[str], item: str) -> None:
        for gp in dict.fromkeys(points):
            if gp in found and item not in found[gp]:
                found[gp].append(item)

    for mod in course.modules.values():
        for v in mod.vignettes.values():
            add([*v.guide_points, *(gp for s in v.scenes for c in s.choices for gp in c.guide_points)], v.id)
        for q in mod.questions:
            add(q.guide_points, q.id)
        if mod.reflection:
            add(mod.reflection.guide_points, mod.reflection.id)
    return found


def assessed(course: Course) -> dict[str, list[str]]:
    """For each guide point, the checks and reflections (not cases) that assess it."""
    found: dict[str, list[str]] = {gp: [] for gp in course.curriculum.ids}
    for q in course.all_questions():
        for gp in q.guide_points:
            found.setdefault(gp, []).append(q.id)
    for r in course.all_reflections():
        for gp in r.guide_points:
            found.setdefault(gp, []).append(r.id)
    return found


def render_curriculum(course: Course) -> str:
    """The text of curriculum.yml with every point's ``touched_by`` brought up to date."""
    path = course.root / "curriculum.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = touches(course)
    for point in data["points"]:
        point["touched_by"] = found.get(point["id"], [])
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110, default_flow_style=None)
    return HEADER + body


def write_curriculum(course: Course) -> Path:
    path = course.root / "curriculum.yml"
    path.write_text(render_curriculum(course), encoding="utf-8")
    return path
