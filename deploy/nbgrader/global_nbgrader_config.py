"""nbgrader settings for everyone on the hub: install as the environment's nbgrader_config.py.

TLJH: /opt/tljh/user/etc/jupyter/nbgrader_config.py. Zero to JupyterHub: /etc/jupyter/nbgrader_config.py
in the single-user image (deploy/z2jh/Dockerfile copies it there).
"""

from nbgrader.auth import JupyterHubAuthPlugin

c = get_config()  # noqa: F821  (nbgrader provides get_config when it loads this file)

# One exchange for every course on the hub, with a folder per course inside it.
c.Exchange.root = "/srv/nbgrader/exchange"
c.Exchange.path_includes_course = True

# Which courses a learner sees comes from their JupyterHub groups (nbgrader-<course>).
c.Authenticator.plugin_class = JupyterHubAuthPlugin

# Names shown in the Assignments list; keep in step with courses.yaml.
c.NbGrader.course_titles = {
    "affirming-care-2027": "Sex Work–Affirming Care, spring 2027 cohort",
}
