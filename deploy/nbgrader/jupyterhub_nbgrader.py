"""nbgrader's multi-course setup for JupyterHub, for this course's cohorts.

Each cohort is an nbgrader course with its own id (for example ``affirming-care-2027``), its own
course folder and its own gradebook. For each one this sets up, in JupyterHub:

* a group ``nbgrader-<course>``: its learners and graders, who see the course in Assignments;
* a group ``formgrade-<course>``: its graders, who may open the course's formgrader;
* roles giving those groups exactly that access (nbgrader needs these group names);
* optionally, the formgrader itself as a hub-managed service, run by a grader account
  ``grader-<course>`` that owns the course folder (The Littlest JupyterHub, one server).

Use it from a ``jupyterhub_config.py`` (TLJH loads ``deploy/tljh/jupyterhub_config.d/affirming-care.py``,
which calls it); Zero to JupyterHub carries the same code inline in ``deploy/z2jh/config.yaml``
(a test checks the two copies are the same). It follows nbgrader's own "multiple classes" demo.
"""

from __future__ import annotations

from typing import Any


# ---- begin shared ----
def configure_courses(
    c: Any,
    courses: dict[str, dict[str, Any]],
    *,
    start_formgraders: bool = True,
    first_port: int = 9990,
    home: str = "/home",
) -> None:
    """Add groups, roles and (optionally) formgrader services for ``courses`` to the config ``c``.

    ``courses`` maps a course id to ``{"title": ..., "graders": [usernames], "learners": [usernames]}``.
    Anything already in ``c.JupyterHub.load_groups``, ``load_roles`` or ``services`` is kept.
    """
    groups = dict(c.JupyterHub.load_groups) if "load_groups" in c.JupyterHub else {}
    roles = list(c.JupyterHub.load_roles) if "load_roles" in c.JupyterHub else []
    services = list(c.JupyterHub.services) if "services" in c.JupyterHub else []
    for i, (course, spec) in enumerate(sorted(courses.items())):
        grader_account = f"grader-{course}"
        graders = set(spec.get("graders") or [])
        learners = set(spec.get("learners") or [])
        groups[f"formgrade-{course}"] = {"users": sorted(graders | {grader_account})}
        groups[f"nbgrader-{course}"] = {"users": sorted(learners | graders)}
        roles.append(
            {
                "name": f"formgrade-{course}",
                "groups": [f"formgrade-{course}"],
                "scopes": [f"access:services!service={course}"],
            }
        )
        roles.append(
            {
                "name": f"nbgrader-{course}",
                "groups": [f"nbgrader-{course}"],
                "scopes": ["list:services", f"read:services!service={course}"],
            }
        )
        if start_formgraders:
            services.append(
                {
                    "name": course,
                    "url": f"http://127.0.0.1:{first_port + i}",
                    "command": ["jupyterhub-singleuser"],
                    "user": grader_account,
                    "cwd": f"{home}/{grader_account}",
                    "environment": {"JUPYTERHUB_DEFAULT_URL": "/lab"},
                    "oauth_no_confirm": True,
                }
            )
    if not any(r.get("name") == "server" for r in roles):
        # nbgrader's course list asks the hub which services and groups the learner has.
        roles.append({"name": "server", "scopes": ["inherit"]})
    c.JupyterHub.load_groups = groups
    c.JupyterHub.load_roles = roles
    c.JupyterHub.services = services


# ---- end shared ----
