"""JupyterHub for a cohort: a real hub on loopback lets a learner log in and open a module notebook.

The hub runs with the dummy authenticator (one shared password) and the simple local-process
spawner, whose single-user server is JupyterLab from this environment. Its proxy is
configurable-http-proxy from the npm registry: ``make test`` installs it into deploy/proxy with
``npm ci``. Every wait is bounded, and every process started here is stopped at the end.

The deploy/ files are checked too: the nbgrader multi-course setup is loaded into this hub, and
the nbgitpuller links and the TLJH and Zero to JupyterHub configurations are checked as files.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import nbformat
import pytest
import requests
import yaml

from affirming_care.cli import main
from affirming_care.cohort_cli import nbgitpuller_link

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
PROXY = DEPLOY / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
LEARNER = "learner1"
NOTEBOOK = "m02-two-mistakes.ipynb"
TIMEOUT = 90  # seconds for the hub, and then the learner's server, to come up


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proxy_command() -> Path:
    """configurable-http-proxy, or a failure that says how to install it (never a skip)."""
    if PROXY.exists():
        return PROXY
    found = shutil.which("configurable-http-proxy")
    if found:
        return Path(found)
    pytest.fail(
        f"JupyterHub needs configurable-http-proxy, and it is not installed: {PROXY} does not exist and it is "
        "not on PATH. Run `make test` (it runs `npm ci --prefix deploy/proxy`), or run that npm command "
        "yourself (Node.js 20 and npm are needed)."
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) has stopped.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@dataclass
class Hub:
    url: str
    password: str
    token: str
    root: Path
    log: Path
    server_pids: list[int]

    def api(self, path: str) -> requests.Response:
        return requests.get(
            f"{self.url}/hub/api{path}", headers={"Authorization": f"token {self.token}"}, timeout=10
        )

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def hub_config(root: Path, course: Path, password: str, token: str, ports: dict[str, int]) -> str:
    bindir = Path(sys.executable).parent
    args = ["--allow-root"] if os.geteuid() == 0 else []
    env = {
        "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
        "AFFIRMING_CARE_CONTENT": os.environ.get("AFFIRMING_CARE_CONTENT", str(REPO / "content")),
    }
    return f"""
import sys
sys.path.insert(0, {str(DEPLOY / "nbgrader")!r})
from jupyterhub_nbgrader import configure_courses

c = get_config()
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {ports["proxy"]}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {ports["hub"]}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{ports["api"]}"
c.ConfigurableHTTPProxy.command = [{str(proxy_command())!r}]
c.JupyterHub.db_url = "sqlite:///{root / "jupyterhub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(root / "cookie_secret")!r}
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

c.JupyterHub.authenticator_class = "jupyterhub.auth.DummyAuthenticator"
c.DummyAuthenticator.password = {password!r}

c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = {str(root / "home" / "{username}")!r}
c.Spawner.cmd = [{str(bindir / "jupyterhub-singleuser")!r}]
c.Spawner.args = {args!r}
c.Spawner.ip = "127.0.0.1"
c.Spawner.notebook_dir = {str(course)!r}
c.Spawner.default_url = "/lab"
c.Spawner.environment = {env!r}
c.Spawner.start_timeout = {TIMEOUT}
c.Spawner.http_timeout = {TIMEOUT}

# A service token for the test to read the hub's state (and the learner server's pid).
c.JupyterHub.services = [{{"name": "course-check", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [
    {{"name": "course-check", "services": ["course-check"],
      "scopes": ["admin:users", "admin:servers", "admin:server_state", "admin:groups", "read:roles"]}},
]

# The course's nbgrader multi-course setup (deploy/nbgrader), without starting formgrader services.
configure_courses(
    c,
    {{"affirming-care-2027": {{"title": "Sex Work–Affirming Care, spring cohort", "graders": ["facilitator1"],
                               "learners": [{LEARNER!r}]}}}},
    start_formgraders=False,
)
"""


@contextmanager
def running_hub(root: Path) -> Iterator[Hub]:
    """Start a hub in ``root`` and wait until it answers; stop it, and all it started, on leaving."""
    proxy = proxy_command()
    course = root / "course"
    shutil.copytree(
        REPO / "notebooks",
        course,
        ignore=shutil.ignore_patterns("*-answers.json*", "my-certificate.pdf", ".ipynb_checkpoints"),
    )
    ports = {"proxy": free_port(), "hub": free_port(), "api": free_port()}
    password, token = secrets.token_urlsafe(12), secrets.token_hex(32)
    config = root / "jupyterhub_config.py"
    config.write_text(hub_config(root, course, password, token, ports))
    bindir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{proxy.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    log = root / "hub.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(bindir / "jupyterhub"), "-f", str(config)],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    state = Hub(f"http://127.0.0.1:{ports['proxy']}", password, token, root, log, [])
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                if requests.get(f"{state.url}/hub/api", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterHub did not start within {TIMEOUT} s:\n{state.log_tail()}")
            time.sleep(0.5)
        yield state
    finally:
        stop(proc, state)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    with running_hub(tmp_path_factory.mktemp("hub")) as state:
        yield state


def stop(proc: subprocess.Popen, state: Hub) -> None:
    """Stop the hub (it stops the learner's server and the proxy), then anything left, by pid."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # the proxy, if the hub left it behind
    for pid in state.server_pids:
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def log_in(hub: Hub, password: str, username: str = LEARNER) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{hub.url}/hub/login", timeout=10)
    page.raise_for_status()
    xsrf = session.cookies.get("_xsrf", path="/hub/")
    response = session.post(
        f"{hub.url}/hub/login?next=",
        data={"username": username, "password": password, "_xsrf": xsrf},
        allow_redirects=False,
        timeout=10,
    )
    session.last_login_status = response.status_code  # type: ignore[attr-defined]
    return session


def wait_for_server(hub: Hub, username: str = LEARNER) -> dict:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        user = hub.api(f"/users/{username}").json()
        server = user.get("servers", {}).get("")
        if server and server.get("ready"):
            return server
        time.sleep(0.5)
    pytest.fail(f"{username}'s server was not ready within {TIMEOUT} s:\n{hub.log_tail()}")


def test_a_wrong_password_is_refused(hub: Hub) -> None:
    session = log_in(hub, "not-the-password")

    assert session.last_login_status == 403  # type: ignore[attr-defined]
    assert "jupyterhub-session-id" not in session.cookies or not session.cookies.get("jupyterhub-hub-login")


def test_a_learner_logs_in_and_opens_a_module_notebook(hub: Hub) -> None:
    session = log_in(hub, hub.password)
    assert session.last_login_status == 302  # type: ignore[attr-defined]

    # Opening the hub starts the learner's server; the spawn page redirects to it when ready.
    session.get(f"{hub.url}/hub/spawn", timeout=TIMEOUT)
    server = wait_for_server(hub)
    pid = server.get("state", {}).get("pid")
    if pid:
        hub.server_pids.append(pid)
    lab = session.get(f"{hub.url}/user/{LEARNER}/lab", timeout=TIMEOUT)
    contents = session.get(f"{hub.url}/user/{LEARNER}/api/contents/{NOTEBOOK}", timeout=TIMEOUT)

    assert lab.status_code == 200, lab.text[:500]
    assert "JupyterLab" in lab.text
    assert contents.status_code == 200, contents.text[:500]
    notebook = nbformat.from_dict(contents.json()["content"])
    nbformat.validate(notebook)
    source = "\n".join(c.source for c in notebook.cells)
    assert 'show("m02-' in source
    listing = session.get(f"{hub.url}/user/{LEARNER}/api/contents/", timeout=TIMEOUT).json()
    assert "my-progress.ipynb" in {item["name"] for item in listing["content"]}


def test_a_learner_cannot_open_another_learners_files(hub: Hub) -> None:
    other = log_in(hub, hub.password, "learner2")
    other.get(f"{hub.url}/hub/spawn", timeout=TIMEOUT)
    pid = wait_for_server(hub, "learner2").get("state", {}).get("pid")
    if pid:
        hub.server_pids.append(pid)
    # Opening JupyterLab signs the user in to their own server (JupyterHub's OAuth), then files open.
    assert other.get(f"{hub.url}/user/learner2/lab", timeout=TIMEOUT).status_code == 200
    assert other.get(f"{hub.url}/user/learner2/api/contents/{NOTEBOOK}", timeout=TIMEOUT).status_code == 200

    session = log_in(hub, hub.password)
    lab = session.get(f"{hub.url}/user/learner2/lab", timeout=TIMEOUT)
    contents = session.get(f"{hub.url}/user/learner2/api/contents/{NOTEBOOK}", timeout=TIMEOUT)

    assert lab.status_code == 403, (lab.status_code, lab.url)
    assert contents.status_code == 403, (contents.status_code, contents.url)
    assert '"cells"' not in contents.text


def test_the_nbgrader_groups_are_in_the_hub(hub: Hub) -> None:
    groups = {g["name"]: g for g in hub.api("/groups").json()}

    assert LEARNER in groups["nbgrader-affirming-care-2027"]["users"]
    assert "facilitator1" in groups["formgrade-affirming-care-2027"]["users"]
    assert LEARNER not in groups["formgrade-affirming-care-2027"]["users"]


def test_the_hub_and_every_process_it_started_stop_at_the_end(tmp_path: Path) -> None:
    """A hub of its own, so the test can check that nothing it started is left running."""
    with running_hub(tmp_path) as state:
        session = log_in(state, state.password)
        session.get(f"{state.url}/hub/spawn", timeout=TIMEOUT)
        pid = wait_for_server(state)["state"]["pid"]
        state.server_pids.append(pid)
        assert alive(pid)

    assert not alive(pid)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{state.url}/hub/api", timeout=5)


# The deploy/ files -------------------------------------------------------------------------------------


def test_an_nbgitpuller_link_opens_the_module_in_the_pulled_course() -> None:
    link = nbgitpuller_link(
        "https://hub.example.org/",
        "https://git.example.org/course/affirming-care.git",
        path="notebooks/m02-two-mistakes.ipynb",
    )
    parsed = urlparse(link)
    query = {k: v[0] for k, v in parse_qs(parsed.query).items()}

    assert (
        f"{parsed.scheme}://{parsed.netloc}{parsed.path}"
        == "https://hub.example.org/hub/user-redirect/git-pull"
    )
    assert query == {
        "repo": "https://git.example.org/course/affirming-care.git",
        "branch": "main",
        "targetpath": "affirming-care",
        "urlpath": "lab/tree/affirming-care/notebooks/m02-two-mistakes.ipynb",
    }


def test_the_link_command_prints_one_link_per_module(capsys: pytest.CaptureFixture[str]) -> None:
    from affirming_care.loader import load_course

    assert (
        main(
            [
                "cohort",
                "link",
                "--hub",
                "https://hub.example.org",
                "--repo",
                "https://git.example.org/c.git",
                "--all",
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()

    assert len(lines) == len(load_course().modules) + 1
    assert all("git-pull?repo=" in line for line in lines)
    assert lines[-1].startswith("notebooks/my-progress.ipynb\t")


def test_a_bad_hub_address_is_explained(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["cohort", "link", "--hub", "hub.example.org", "--repo", "https://git.example.org/c.git"]) == 1
    )
    assert "--hub must be the hub's address" in capsys.readouterr().err


def test_the_zero_to_jupyterhub_values_are_well_formed() -> None:
    values = yaml.safe_load((DEPLOY / "z2jh" / "config.yaml").read_text())

    assert values["singleuser"]["defaultUrl"] == "/lab"
    assert set(values["hub"]["config"]["JupyterHub"]) >= {"authenticator_class"}
    extra = values["hub"]["extraConfig"]
    for name, code in extra.items():
        compile(code, f"hub.extraConfig.{name}", "exec")
    assert any("configure_courses" in code for code in extra.values())
    # The inline copy of the nbgrader setup in the Helm values is the same code as deploy/nbgrader.
    shared = (DEPLOY / "nbgrader" / "jupyterhub_nbgrader.py").read_text()
    body = shared.split("# ---- begin shared ----", 1)[1].split("# ---- end shared ----", 1)[0]
    assert body.strip() in extra["10-nbgrader"]


def test_the_tljh_and_nbgrader_python_configs_load() -> None:
    from traitlets.config import Config

    for path in [
        DEPLOY / "tljh" / "jupyterhub_config.d" / "affirming-care.py",
        DEPLOY / "nbgrader" / "global_nbgrader_config.py",
    ]:
        c = Config()
        code = compile(path.read_text(), str(path), "exec")
        exec(code, {"get_config": lambda c=c: c, "__file__": str(path)})
        assert c, f"{path} set nothing"
    script = (DEPLOY / "tljh" / "install.sh").read_text()
    assert subprocess.run(["bash", "-n", str(DEPLOY / "tljh" / "install.sh")], check=False).returncode == 0
    assert "tljh-config" in script and "nbgrader" in script


def test_the_proxy_is_pinned_and_its_lock_names_no_download_host() -> None:
    package = json.loads((DEPLOY / "proxy" / "package.json").read_text())
    lock = (DEPLOY / "proxy" / "package-lock.json").read_text()

    assert package["dependencies"]["configurable-http-proxy"][0].isdigit()
    assert '"resolved"' not in lock
