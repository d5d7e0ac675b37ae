"""Course packages for learning management systems: SCORM 1.2, SCORM 2004 4th edition and cmi5.

``affirming_care package --format scorm12|scorm2004|cmi5 [--per-module|--single] --out DIR``
builds one zip from the published book, one module by activity (or one activity for the course).

* ``book.py``: the module pages of a built book, what each asks of a learner, what each loads;
* ``pages.py``: a page as it goes into a package (the adapter added, links out of it unlinked);
* ``manifest.py``: ``imsmanifest.xml`` (SCORM 1.2, SCORM 2004) and ``cmi5.xml``;
* ``packager.py``: the zip;
* ``cli.py``: the ``package`` command;
* ``static/lms-adapter.js``: the runtime adapter each packaged page runs, which hears the course
  engine's ``affirming-care:saved`` event and reports through the SCORM API or cmi5 (xAPI).
"""

from .book import BookError, ModulePage, read_book
from .packager import FORMATS, Package, build_package

__all__ = ["FORMATS", "BookError", "ModulePage", "Package", "build_package", "read_book"]
