"""Launch links: open a module's notebook on a JupyterHub (through nbgitpuller) or on Binder.

Both need the course repository's address (``repository.url`` in ``_config.yml``); each needs its
own service address (``launch_buttons.jupyterhub_url``, ``launch_buttons.binderhub_url``). An
unset address gives no link at all, never a broken one.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlparse

DEFAULT_REPO_NAME = "affirming-care"


@dataclass(frozen=True)
class LaunchLink:
    """One link in the "Open this module as a notebook" box."""

    label: str
    url: str
    note: str


def _check_url(value: str, setting: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"_config.yml: {setting} must be an address like https://example.org; got {value!r}")
    return value.rstrip("/")


def jupyterhub_link(hub: str, repo: str, branch: str, path: str, ui: str = "lab") -> str:
    """An nbgitpuller link: the hub copies the repository into the learner's home, then opens ``path``.

    The same link the facilitator's ``affirming_care cohort link`` command prints, so a learner
    who follows either lands in the same folder (tests/test_book.py checks that they agree). The
    book theme builds it itself: it does not import the course's command line.
    """
    target = repo.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") or DEFAULT_REPO_NAME
    path = path.lstrip("/")
    urlpath = f"lab/tree/{target}/{path}" if ui == "lab" else f"tree/{target}/{path}"
    query = urlencode({"repo": repo, "branch": branch, "targetpath": target, "urlpath": urlpath})
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def binder_link(binderhub: str, repo: str, branch: str, path: str, ui: str = "lab") -> str:
    """A BinderHub link: GitHub and GitLab repositories by name, any other git host by its address."""
    parsed = urlparse(repo)
    name = parsed.path.strip("/").removesuffix(".git")
    if parsed.netloc == "github.com":
        spec = f"gh/{name}/{quote(branch, safe='')}"
    elif parsed.netloc == "gitlab.com":
        spec = f"gl/{quote(name, safe='')}/{quote(branch, safe='')}"
    else:
        spec = f"git/{quote(repo, safe='')}/{quote(branch, safe='')}"
    urlpath = f"lab/tree/{path}" if ui == "lab" else f"tree/{path}"
    return f"{binderhub.rstrip('/')}/v2/{spec}?{urlencode({'urlpath': urlpath})}"


def launch_links(
    *,
    notebook_path: str,
    repository_url: str,
    branch: str,
    jupyterhub_url: str = "",
    binderhub_url: str = "",
    notebook_interface: str = "jupyterlab",
) -> list[LaunchLink]:
    """The launch links for one notebook (path from the repository's root). Empty when unset."""
    if not repository_url:
        return []
    repo = _check_url(repository_url, "repository.url")
    ui = "lab" if notebook_interface == "jupyterlab" else "classic"
    branch = branch or "main"
    links = []
    if jupyterhub_url:
        hub = _check_url(jupyterhub_url, "launch_buttons.jupyterhub_url")
        links.append(
            LaunchLink(
                "Open on the course JupyterHub",
                jupyterhub_link(hub, repo, branch, notebook_path, ui),
                "Your answers are saved in your home folder on the hub.",
            )
        )
    if binderhub_url:
        binder = _check_url(binderhub_url, "launch_buttons.binderhub_url")
        links.append(
            LaunchLink(
                "Open on Binder",
                binder_link(binder, repo, branch, notebook_path, ui),
                "A free, temporary session run by a third party: your answers are lost when it closes.",
            )
        )
    return links
