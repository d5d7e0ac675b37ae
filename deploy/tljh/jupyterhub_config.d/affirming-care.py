"""The Littlest JupyterHub: this course's hub settings (TLJH loads every file in jupyterhub_config.d).

Install with deploy/tljh/install.sh. It reads the cohorts from courses.yaml and sets up nbgrader's
groups, roles and one formgrader service per cohort (deploy/nbgrader/jupyterhub_nbgrader.py).
"""

import os
import sys
from pathlib import Path

import yaml

c = get_config()  # noqa: F821  (JupyterHub provides get_config when it loads this file)

# Installed by install.sh; in a checkout of the course, the files are in deploy/nbgrader.
_here = Path(globals().get("__file__", "/opt/tljh/config/jupyterhub_config.d/affirming-care.py")).resolve()
_candidates = [Path("/opt/tljh/config/affirming-care"), _here.parents[2] / "nbgrader"]
_folder = next((p for p in _candidates if (p / "jupyterhub_nbgrader.py").exists()), _candidates[-1])
sys.path.insert(0, str(_folder))
from jupyterhub_nbgrader import configure_courses  # noqa: E402

_courses_file = Path(os.environ.get("AFFIRMING_CARE_COURSES", _folder / "courses.yaml"))
_courses = yaml.safe_load(_courses_file.read_text(encoding="utf-8")) or {}

# Learners land in JupyterLab. nbgitpuller links (`affirming_care cohort link`) open a module directly.
c.Spawner.default_url = "/lab"
# The notebooks read the course's content from the learner edition nbgitpuller pulled (the branch
# learner-edition, never the source branch), so it matches the pulled notebooks (the package, from
# the edition's wheel, has its own copy too).
# TLJH's home for hub user NAME is /home/jupyter-NAME; nbgitpuller pulls into affirming-care/ there.
# Learners' servers read the learners' settings (deploy/learner, installed by install.sh): no
# nbgrader instructor tools. The formgrader services do not get this environment.
LEARNER_SETTINGS = "/opt/tljh/user/etc/jupyter/affirming-care-learner"
c.Spawner.environment = {
    **(dict(c.Spawner.environment) if "environment" in c.Spawner else {}),
    "AFFIRMING_CARE_CONTENT": lambda spawner: f"/home/jupyter-{spawner.user.name}/affirming-care/content",
    "JUPYTER_CONFIG_PATH": LEARNER_SETTINGS,
}

configure_courses(c, _courses, start_formgraders=True)
