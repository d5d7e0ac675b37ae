#!/usr/bin/env bash
# Set up this course on a server running The Littlest JupyterHub (TLJH). Run as root, from a checkout
# of the course repository, after installing TLJH itself (see book/jupyterhub.md, "One server").
#
#   sudo COURSE_REPO=https://git.example.org/you/affirming-care.git bash deploy/tljh/install.sh
#
# It installs the course package, nbgrader and nbgitpuller into the learners' environment, turns
# nbgrader's instructor tools off for learners, creates the nbgrader exchange, and installs the hub
# settings (groups, roles, one formgrader service per cohort in courses.yaml). It can be run again.
set -euo pipefail
cd "$(dirname "$0")/../.."

COURSE_REPO="${COURSE_REPO:?set COURSE_REPO to the git URL of the course repository}"
COURSE_BRANCH="${COURSE_BRANCH:-main}"
USER_ENV=/opt/tljh/user
CONFIG=/opt/tljh/config

# 1. The learners' environment: the course package (with nbgrader), and nbgitpuller.
"$USER_ENV/bin/pip" install --quiet "affirming-care @ git+${COURSE_REPO}@${COURSE_BRANCH}" nbgitpuller

# Learners get the Assignment List only: the learners' settings (deploy/learner), which the hub
# settings put on every learner's JUPYTER_CONFIG_PATH, turn nbgrader's instructor tools off.
# Graders use their cohort's formgrader service, which does not read them.
install -d "$USER_ENV/etc/jupyter/affirming-care-learner/labconfig"
install -m 0644 deploy/learner/jupyter_server_config.json "$USER_ENV/etc/jupyter/affirming-care-learner/"
install -m 0644 deploy/learner/labconfig/page_config.json "$USER_ENV/etc/jupyter/affirming-care-learner/labconfig/"

# 2. nbgrader: one exchange for every cohort, and the settings everyone shares.
install -d -m 0777 /srv/nbgrader/exchange
install -d "$USER_ENV/etc/jupyter"
install -m 0644 deploy/nbgrader/global_nbgrader_config.py "$USER_ENV/etc/jupyter/nbgrader_config.py"

# 3. The hub: nbgrader's groups, roles and formgrader services, from courses.yaml.
install -d "$CONFIG/affirming-care" "$CONFIG/jupyterhub_config.d"
install -m 0644 deploy/nbgrader/jupyterhub_nbgrader.py "$CONFIG/affirming-care/"
if [ ! -e "$CONFIG/affirming-care/courses.yaml" ]; then
  install -m 0644 deploy/nbgrader/courses.yaml "$CONFIG/affirming-care/courses.yaml"
  echo "Edit $CONFIG/affirming-care/courses.yaml (cohorts, graders, learners), then run: tljh-config reload hub"
fi
install -m 0644 deploy/tljh/jupyterhub_config.d/affirming-care.py "$CONFIG/jupyterhub_config.d/"

# 4. Learners open JupyterLab; idle servers stop after an hour (TLJH's culler).
tljh-config set user_environment.default_app jupyterlab
tljh-config set services.cull.timeout 3600
tljh-config reload hub

cat <<DONE
Done. Next steps (book/jupyterhub.md has the details):
  - for each cohort in courses.yaml, create its grader account and course folder:
      useradd --create-home grader-COURSE_ID
      sudo -u grader-COURSE_ID $USER_ENV/bin/affirming_care grade init \\
        --course /home/grader-COURSE_ID/COURSE_ID --course-id COURSE_ID --exchange /srv/nbgrader/exchange
  - give learners an nbgitpuller link:
      $USER_ENV/bin/affirming_care cohort link --hub https://YOUR-HUB --repo ${COURSE_REPO} --all
DONE
