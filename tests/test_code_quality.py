"""Code checks on the grading package: small functions, and a light package for learners' kernels."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Function

GRADING = Path(__file__).resolve().parents[1] / "src" / "affirming_care" / "grading"
MAX_COMPLEXITY = 15


def _functions(path: Path) -> list[Function]:
    """Every function and method in ``path`` (methods come inside their class)."""
    found: list[Function] = []
    for block in cc_visit(path.read_text(encoding="utf-8")):
        if isinstance(block, Function):
            found.append(block)
        else:
            found.extend(block.methods)
    return found


def test_no_function_in_the_grading_package_is_too_complex() -> None:
    files = sorted(GRADING.rglob("*.py"))
    assert len(files) > 10, f"expected the grading package's modules in {GRADING}"
    scored = [
        (f.complexity, f"{path.relative_to(GRADING)}:{f.lineno} {f.fullname}")
        for path in files
        for f in _functions(path)
    ]
    scored.sort(reverse=True)
    print("Most complex functions in affirming_care/grading:")
    for complexity, where in scored[:10]:
        print(f"  {complexity:3d}  {where}")
    too_complex = [f"{where} has complexity {c}" for c, where in scored if c > MAX_COMPLEXITY]
    assert not too_complex, f"cyclomatic complexity above {MAX_COMPLEXITY}:\n" + "\n".join(too_complex)


def test_the_complexity_check_sees_a_complex_function() -> None:
    """The measure itself: a function of 17 branches is reported as such."""
    branches = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(16))
    (block,) = cc_visit(f"def f(x):\n{branches}\n    return -1\n")
    assert block.complexity == 17


def test_the_package_released_notebooks_import_stays_light() -> None:
    """Hidden tests run ``from affirming_care.grading import expect_answer`` in the learner's kernel."""
    code = (
        "import sys\n"
        "from affirming_care.grading import NotAwarded, expect_answer\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'nbgrader', 'nbconvert', 'matplotlib', 'fpdf', 'sqlalchemy'})\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "", f"importing affirming_care.grading also imported: {out.strip()}"


def test_old_preprocessor_paths_still_resolve() -> None:
    """Course folders made before the split name the preprocessors by their old paths."""
    from affirming_care.feedback import HideTracebacks as OldTracebacks
    from affirming_care.grading.preprocessors import HideTracebacks, HideWidgetOutputs
    from affirming_care.instructor import HideWidgetOutputs as OldWidgets

    assert OldTracebacks is HideTracebacks
    assert OldWidgets is HideWidgetOutputs
