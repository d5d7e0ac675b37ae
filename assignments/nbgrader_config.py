"""nbgrader configuration for the course. ``affirming_care grade init`` copies it into a course folder.

Only ``source/`` belongs in version control; release/, submitted/, autograded/, feedback/ and the
gradebook stay in the instructor's course folder, outside this repository.
"""

c = get_config()  # noqa: F821  (nbgrader provides get_config when it loads this file)

MODULES = [f"m{n:02d}" for n in range(13)] + ["pre"]  # "pre": the pre-course check

c.CourseDirectory.course_id = "affirming-care"

# The answer store travels with the submitted notebook. Never let the (empty) source folder
# overwrite a learner's file during autograde.
c.Autograde.exclude_overwriting = {m: [f"{m}-answers.json"] for m in MODULES}

# The reflection is typed into the answer file (the same box as in the module notebook). Its
# manually graded Markdown cell only says so, and is read-only in the released notebook (its
# metadata says editable: false); grading places the reflection there (answers_grader).
from affirming_care.assignments import REFLECTION_PLACEHOLDER  # noqa: E402

c.ClearSolutions.text_stub = REFLECTION_PLACEHOLDER

# Feedback shows scores, the grader's comments and the rubric, never the hidden tests or keys:
# a traceback would quote the hidden line, so HideTracebacks keeps only the error's message.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "affirming_care.grading.preprocessors.HideTracebacks",
    # A check widget's static fallback marks the correct options: keep it out of feedback.
    "affirming_care.grading.preprocessors.HideWidgetOutputs",
    # Learner text is data: reflections and added cells are made inert here too.
    "affirming_care.grading.preprocessors.SanitizeLearnerText",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# LMS bulk downloads: files named like "jsmith_m02_m02.ipynb" or "jsmith_m02_m02-answers.json",
# optionally with the time handed in: "jsmith_m02_20261201T170000Z_m02.ipynb" (then lateness counts).
# zip_collect ignores the command-line flag for this, and drops .json unless listed in valid_ext.
# nbgrader matches this against the file's whole path, so it allows any folders in front.
c.FileNameCollectorPlugin.named_regexp = (
    r"^(?:.*[/\\])?(?P<student_id>[A-Za-z0-9.@-][A-Za-z0-9._@-]*?)_(?P<assignment_id>m\d\d|pre)_"
    r"(?:(?P<timestamp>\d{8}T\d{6}Z)_)?(?P<file_id>[^/\\]+)$"
)
c.FileNameCollectorPlugin.valid_ext = [".ipynb", ".json"]

# Never run a learner's notebook for long, and never stop grading on one bad notebook.
c.ExecutePreprocessor.timeout = 120
c.Execute.timeout = 120

# Grade without running learners' notebooks: nbgrader's Execute step is replaced by one that
# grades each check from the submitted answer file against the keys in source/ (nothing of the
# hand-in runs, no kernel starts), so `nbgrader autograde` and the formgrader's autograde button
# grade as `affirming_care grade autograde` does. nbgrader's list, with Execute, is
# affirming_care.grading.answers_grader.EXECUTING: it runs every cell a learner handed in, as you.
from affirming_care.grading.answers_grader import NO_EXECUTION  # noqa: E402

c.Autograde.autograde_preprocessors = list(NO_EXECUTION)

# --- Learner text is data, never markup (issue 9, item 3) -------------------------------------------
# nbgrader's own sanitising steps, in nbgrader 0.9's order, then ours: every Markdown and raw cell
# of a hand-in and every HTML output is cleaned (nh3) before the autograded copy is written, so
# the formgrader never shows script a learner wrote. (c.Autograde.autograde_preprocessors, the
# grading steps, are configured above; this block only adds to the sanitising steps.)
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
    "affirming_care.grading.preprocessors.SanitizeLearnerText",
]
