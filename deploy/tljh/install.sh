#!/usr/bin/env bash
# Set up this course on a server running The Littlest JupyterHub (TLJH). Run as root, from a checkout
# of the course repository, after installing TLJH itself (see book/jupyterhub.md, "One server") and
# building the learner edition (`make edition`, which writes build/learner-edition):
#
#   sudo COURSE_REPO=https://git.example.org/you/affirming-care.git bash deploy/tljh/install.sh
#
# COURSE_REPO is the repository where you published the learner edition (branch COURSE_BRANCH,
# default learner-edition; deploy/README.md); learners' nbgitpuller links pull it.
# It installs the course package from the learner edition's wheel (no post-test bank, rubric anchors
# or source assignments in it), nbgrader and nbgitpuller into the learners' environment, turns
# nbgrader's instructor tools off for learners, creates the nbgrader exchange, and installs the hub
# settings (groups, roles, one formgrader service per cohort in courses.yaml). It can be run again.
set -euo pipefail
cd "$(dirname "$0")/../.."

COURSE_REPO="${COURSE_REPO:?set COURSE_REPO to the git URL of the repository with the learner edition}"
COURSE_BRANCH="${COURSE_BRANCH:-learner-edition}"
EDITION="${EDITION:-build/learner-edition}"
USER_ENV=/opt/tljh/user
CONFIG=/opt/tljh/config

# 1. The learners' environment: the course package from the learner edition (with nbgrader), and
#    nbgitpuller. The edition's files are checked against its manifest first.
[ -f "$EDITION/MANIFEST.sha256" ] \
  || { echo "install.sh: no learner edition at $EDITION; run make edition first (or set EDITION=DIR)" >&2; exit 1; }
(cd "$EDITION" && sha256sum --quiet -c MANIFEST.sha256) \
  || { echo "install.sh: $EDITION does not match its MANIFEST.sha256; build it again with make edition" >&2; exit 1; }
"$USER_ENV/bin/pip" install --quiet "$EDITION"/wheels/affirming_care-*.whl nbgitpuller

# Learners get the Assignment List only: the learners' settings (deploy/learner), which the hub
# settings put on every learner's JUPYTER_CONFIG_PATH, turn nbgrader's instructor tools off.
# Graders use their cohort's formgrader service, which does not read them.
install -d "$USER_ENV/etc/jupyter/affirming-care-learner/labconfig"
install -m 0644 "$EDITION/deploy/learner/jupyter_server_config.json" "$USER_ENV/etc/jupyter/affirming-care-learner/"
install -m 0644 "$EDITION/deploy/learner/labconfig/page_config.json" "$USER_ENV/etc/jupyter/affirming-care-learner/labconfig/"

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
  - for each cohort in courses.yaml, create its grader account and course folder. The installed
    package is the learners' and has no source assignments, post-test bank or rubric anchors: name
    them in this checkout, which the grader account must be able to read (grading reads the bank
    and anchors from the course folder or --bank/--anchors, never from the learners' package):
      useradd --create-home grader-COURSE_ID
      sudo -u grader-COURSE_ID $USER_ENV/bin/affirming_care grade init \\
        --course /home/grader-COURSE_ID/COURSE_ID --course-id COURSE_ID --exchange /srv/nbgrader/exchange \\
        --source $PWD/assignments/source
  - give learners an nbgitpuller link to the published learner edition:
      $USER_ENV/bin/affirming_care cohort link --hub https://YOUR-HUB --repo ${COURSE_REPO} --branch ${COURSE_BRANCH} --all
DONE
