"""A real browser (issue 13, item 2): Chromium from the machine's packages, driven by
playwright-core (tests/http_audit/browser.mjs), with every request off this machine aborted.
GraphiQL renders from the package's own files and runs a query; a page of a listed origin calls
the API with a bearer token and reads the answers; a page of another origin reads nothing."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .test_graphql_over_http import live_server, node_tools

CHROMIUM = os.environ.get("EXEC_CENTER_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FRONT_END = b"<!doctype html><html><head><title>front end</title></head><body>another origin</body></html>"


class _FrontEnd(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(FRONT_END)))
        self.end_headers()
        self.wfile.write(FRONT_END)

    def log_message(self, *_args: object) -> None:  # quiet
        pass


@contextlib.contextmanager
def front_end_server() -> Iterator[int]:
    """A page on another port: another origin than the API's."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FrontEnd)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_graphiql_offline_and_a_query_from_another_origin(settings) -> None:
    if not os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (apt-get install -y chromium): no headless browser to drive")
    tools = node_tools()
    with front_end_server() as port:
        allowed, other = f"http://127.0.0.1:{port}", f"http://localhost:{port}"  # two origins
        with live_server(settings.with_(debug=True, cors_origins=(allowed,))) as api:
            config = {"chromium": CHROMIUM, "api": api, "allowedPage": f"{allowed}/", "otherPage": f"{other}/"}
            done = subprocess.run(["node", "browser.mjs", json.dumps(config)], cwd=tools,
                                  capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip(), done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    print("browser saw:", json.dumps(seen, ensure_ascii=False)[:1500])

    # GraphiQL: rendered (not stuck on "Loading..."), nothing fetched from outside, nothing refused.
    assert seen["outside"] == [], seen["outside"]
    assert seen["rendered"], seen["graphiqlText"]
    assert "Loading..." not in seen["graphiqlText"]
    assert '"__typename": "Query"' in seen["graphiqlResponse"], seen["graphiqlResponse"]
    assert seen["cspViolations"] == [], seen["cspViolations"]
    assert seen["failedRequests"] == [], seen["failedRequests"]
    assert seen["consoleErrors"] == [], seen["consoleErrors"]

    # The listed origin: signed in, read its answers (also a GET and a 401 with its challenge).
    front = seen["allowed"]
    assert front["origin"] == allowed
    assert front["signInStatus"] == 200
    assert front["me"]["status"] == 200
    assert front["me"]["type"].startswith("application/graphql-response+json")
    assert front["me"]["body"] == {"data": {"me": {"username": "center"}}}
    assert front["byGet"] == {"status": 200, "body": {"data": {"me": {"username": "center"}}}}
    assert front["forged"]["status"] == 401
    assert front["forged"]["body"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert front["forged"]["challenge"].startswith("Bearer")

    # Another origin: the browser gives the page nothing.
    assert seen["other"]["origin"] == other
    assert "error" in seen["other"] and "Failed to fetch" in seen["other"]["error"], seen["other"]
