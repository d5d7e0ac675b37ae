"""The manifests: ``imsmanifest.xml`` for SCORM 1.2 and SCORM 2004 4th edition, ``cmi5.xml`` for cmi5.

Each takes the package's activities (one per module, or one for the course) and the files every
activity needs; SCORM manifests list every file of the package in a resource: the activity's own
page in its SCO resource, and everything the pages share in one asset resource they depend on.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

XSI = "http://www.w3.org/2001/XMLSchema-instance"

SCORM12 = {
    "": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
    "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2",
    "imsmd": "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1",
}
SCORM12_LOCATIONS = [
    (SCORM12[""], "imscp_rootv1p1p2.xsd"),
    (SCORM12["imsmd"], "imsmd_rootv1p2p1.xsd"),
    (SCORM12["adlcp"], "adlcp_rootv1p2.xsd"),
]
SCORM2004 = {
    "": "http://www.imsglobal.org/xsd/imscp_v1p1",
    "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3",
    "adlseq": "http://www.adlnet.org/xsd/adlseq_v1p3",
    "adlnav": "http://www.adlnet.org/xsd/adlnav_v1p3",
    "imsss": "http://www.imsglobal.org/xsd/imsss",
}
SCORM2004_LOCATIONS = [
    (SCORM2004[""], "imscp_v1p1.xsd"),
    (SCORM2004["adlcp"], "adlcp_v1p3.xsd"),
    (SCORM2004["adlseq"], "adlseq_v1p3.xsd"),
    (SCORM2004["adlnav"], "adlnav_v1p3.xsd"),
    (SCORM2004["imsss"], "imsss_v1p0.xsd"),
]
CMI5 = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
SHARED = "shared-files"


@dataclass(frozen=True)
class Activity:
    """One SCO or AU: a module, or the whole course."""

    id: str  # m02, or "course"
    title: str
    description: str
    launch: str  # the page the LMS opens, relative to the package root
    files: tuple[str, ...]  # the files only this activity uses (its page first)


@dataclass(frozen=True)
class Course:
    id: str  # an identifier (an IRI for cmi5)
    title: str
    description: str
    activities: tuple[Activity, ...]
    shared: tuple[str, ...]  # the files every activity uses
    mastery: float | None = None  # 0..1, or None: no pass mark, completion only


def _q(ns: dict[str, str], prefix: str, name: str) -> str:
    return f"{{{ns[prefix]}}}{name}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = text
    return node


def _files(resource: ET.Element, tag: str, files: Iterable[str]) -> None:
    for name in files:
        _sub(resource, tag, href=name)


def _serialise(root: ET.Element, ns: dict[str, str]) -> bytes:
    for prefix, uri in ns.items():
        ET.register_namespace(prefix, uri)
    ET.register_namespace("xsi", XSI)
    ET.indent(root)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"


def _scorm(course: Course, ns: dict[str, str], locations: list[tuple[str, str]], version: str) -> bytes:
    q = lambda prefix, name: _q(ns, prefix, name)  # noqa: E731
    root = ET.Element(q("", "manifest"), {"identifier": course.id.replace(":", "-"), "version": "1"})
    root.set(f"{{{XSI}}}schemaLocation", " ".join(f"{uri} {xsd}" for uri, xsd in locations))
    meta = _sub(root, q("", "metadata"))
    _sub(meta, q("", "schema"), "ADL SCORM")
    _sub(meta, q("", "schemaversion"), version)
    orgs = _sub(root, q("", "organizations"), default="org")
    org = _sub(orgs, q("", "organization"), identifier="org")
    _sub(org, q("", "title"), course.title)
    resources = _sub(root, q("", "resources"))
    scorm_type = "scormtype" if version == "1.2" else "scormType"
    for act in course.activities:
        item = _sub(org, q("", "item"), identifier=f"item-{act.id}", identifierref=f"sco-{act.id}")
        if version == "1.2":
            item.set("isvisible", "true")
        _sub(item, q("", "title"), act.title)
        if version == "1.2" and course.mastery is not None:
            _sub(item, q("adlcp", "masteryscore"), str(round(course.mastery * 100)))
        res = _sub(
            resources, q("", "resource"), identifier=f"sco-{act.id}", type="webcontent", href=act.launch
        )
        res.set(q("adlcp", scorm_type), "sco")
        _files(res, q("", "file"), act.files)
        _sub(res, q("", "dependency"), identifierref=SHARED)
    shared = _sub(resources, q("", "resource"), identifier=SHARED, type="webcontent")
    shared.set(q("adlcp", scorm_type), "asset")
    _files(shared, q("", "file"), course.shared)
    return _serialise(root, ns)


def scorm12_manifest(course: Course) -> bytes:
    """``imsmanifest.xml`` for SCORM 1.2 (IMS Content Packaging 1.1.2, ADL CP 1.2)."""
    return _scorm(course, SCORM12, SCORM12_LOCATIONS, "1.2")


def scorm2004_manifest(course: Course) -> bytes:
    """``imsmanifest.xml`` for SCORM 2004 4th edition (IMS CP 1.1.4, ADL CP 1.3)."""
    return _scorm(course, SCORM2004, SCORM2004_LOCATIONS, "2004 4th Edition")


def _text(parent: ET.Element, tag: str, value: str) -> None:
    node = _sub(parent, f"{{{CMI5}}}{tag}")
    _sub(node, f"{{{CMI5}}}langstring", value, lang="en-US")


def cmi5_manifest(course: Course) -> bytes:
    """``cmi5.xml``: the course structure, one AU per activity (cmi5 1.0, section 13)."""
    root = ET.Element(f"{{{CMI5}}}courseStructure")
    head = _sub(root, f"{{{CMI5}}}course", id=course.id)
    _text(head, "title", course.title)
    _text(head, "description", course.description)
    for act in course.activities:
        attrs = {"id": f"{course.id}/{act.id}", "launchMethod": "AnyWindow"}
        if course.mastery is not None:
            attrs |= {"moveOn": "CompletedAndPassed", "masteryScore": f"{course.mastery:g}"}
        else:
            attrs["moveOn"] = "Completed"
        au = _sub(root, f"{{{CMI5}}}au", **attrs)
        _text(au, "title", act.title)
        _text(au, "description", act.description)
        _sub(au, f"{{{CMI5}}}url", act.launch)
    return _serialise(root, {"": CMI5})
