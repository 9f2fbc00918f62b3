"""A WSGI app that takes as long as it is told (`/?seconds=1.5`): what a busy Kompeten worker looks like to the
proxy, for tests/reliability/test_overload.py."""

import time
from urllib.parse import parse_qs


def app(environ, start_response):
    seconds = float(parse_qs(environ.get("QUERY_STRING", "")).get("seconds", ["0"])[0])
    time.sleep(min(seconds, 10))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
