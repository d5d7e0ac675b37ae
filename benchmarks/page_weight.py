"""What a reader's browser downloads: bytes and requests for the welcome page and a module page.

Reports figures; passes or fails nothing. Run from the repository, on a built book:

    .venv/bin/python benchmarks/page_weight.py [_build/html] [--page notebooks/m02-two-mistakes.html]

Without a folder it builds the book first, into a temporary folder. It serves the book on
127.0.0.1 and opens each page in Debian's Chromium (through Playwright) with an empty cache,
counting every request and the bytes each response put on the wire (headers and body). The
local server sends files uncompressed; the gzip column says what a server that compresses
text (most do) would send instead.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from affirming_care.testing import build_book

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGES = ["book/intro.html", "notebooks/m02-two-mistakes.html"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def build(out: Path) -> Path:
    result = build_book(out, out / "answers")
    if result.returncode:
        raise SystemExit(f"the book did not build:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return out / "_build" / "html"


def measure(html: Path, pages: list[str]) -> list[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_address[1]}/"
    results = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for path in pages:
                context = browser.new_context()  # an empty cache for every page
                page = context.new_page()
                finished: list[Any] = []
                page.on("requestfinished", lambda request, seen=finished: seen.append(request))
                page.goto(root + path, wait_until="networkidle")
                rows = []
                for request in finished:
                    sizes = request.sizes()
                    local = html / request.url.removeprefix(root).split("?")[0].split("#")[0]
                    body = local.read_bytes() if local.is_file() else b""
                    rows.append(
                        {
                            "url": request.url.removeprefix(root),
                            "type": request.resource_type,
                            "wire_bytes": sizes["responseBodySize"] + sizes["responseHeadersSize"],
                            "body_bytes": sizes["responseBodySize"],
                            "gzip_bytes": len(gzip.compress(body, 9)) if body else 0,
                        }
                    )
                context.close()
                results.append(
                    {
                        "page": path,
                        "requests": len(rows),
                        "wire_bytes": sum(r["wire_bytes"] for r in rows),
                        "gzip_body_bytes": sum(r["gzip_bytes"] for r in rows),
                        "resources": rows,
                    }
                )
            browser.close()
    finally:
        server.shutdown()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", nargs="?", type=Path, help="a built book's HTML folder (default: build one)")
    parser.add_argument(
        "--page", action="append", help="a page to measure, from the book's root (repeatable)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="page-weight-") as tmp:
        html = args.html or build(Path(tmp))
        results = measure(html, args.page or PAGES)
    print("Page weight, empty cache, served from 127.0.0.1 without compression")
    print(f"{'page':40} {'requests':>8} {'KiB sent':>9} {'KiB gzip':>9}")
    for r in results:
        print(
            f"{r['page']:40} {r['requests']:8d} {r['wire_bytes'] / 1024:9.1f} {r['gzip_body_bytes'] / 1024:9.1f}"
        )
        for row in r["resources"]:
            print(f"    {row['url'][:52]:52} {row['type']:10} {row['wire_bytes'] / 1024:7.1f} KiB")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
