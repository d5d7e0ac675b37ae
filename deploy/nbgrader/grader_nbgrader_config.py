"""The grader account's own nbgrader settings: install as ~grader-<course>/.jupyter/nbgrader_config.py.

The course folder itself is made with the course's command, which writes that folder's
nbgrader_config.py (course id, exchange) and its gradebook:

    affirming_care grade init --course ~/affirming-care-2027 --course-id affirming-care-2027 \
        --exchange /srv/nbgrader/exchange --roster roster.csv
"""

c = get_config()  # noqa: F821  (nbgrader provides get_config when it loads this file)

c.CourseDirectory.root = "/home/grader-affirming-care-2027/affirming-care-2027"
c.CourseDirectory.course_id = "affirming-care-2027"
