"""A PEP 3333 peer (Python's standard-library wsgiref) that reads request bodies the way WSGI apps do:
`wsgi.input.read(CONTENT_LENGTH)`. A chunked body without Content-Length reads as empty here, as it does
under Django's development server and every WSGI server that trusts CONTENT_LENGTH.

It answers with JSON describing what the application saw. Paths, as in tests/peers/strict_http_server.ts:
/ok/<key>, /401/<key> (401 while Authorization is "Bearer old"), /503/<key> (503 the first time),
/307/<key> and /308/<key> (redirect to /ok/<key>).

Run with /usr/bin/python3; prints the port on stdout, serves until stdin closes.
"""
import base64
import json
import sys
import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

seen = set()


def app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    length = environ.get("CONTENT_LENGTH") or ""
    body = environ["wsgi.input"].read(int(length)) if length.isdigit() else b""
    parts = path.split("/")
    kind = parts[1] if len(parts) > 2 else ""
    key = "/".join(parts[2:])
    status, headers = "200 OK", []
    if kind == "401" and environ.get("HTTP_AUTHORIZATION") == "Bearer old":
        status = "401 Unauthorized"
        headers.append(("WWW-Authenticate", 'Bearer error="invalid_token"'))
    elif kind == "503" and path not in seen:
        seen.add(path)
        status = "503 Service Unavailable"
        headers.append(("Retry-After", "0"))
    elif kind in ("307", "308"):
        status = kind + " Redirect"
        headers.append(("Location", "/ok/" + key))
    answer = json.dumps({
        "method": environ["REQUEST_METHOD"],
        "path": path,
        "content_length": environ.get("CONTENT_LENGTH"),
        "content_type": environ.get("CONTENT_TYPE"),
        "transfer_encoding": environ.get("HTTP_TRANSFER_ENCODING"),
        "body": base64.b64encode(body).decode(),
    }).encode()
    headers += [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))]
    start_response(status, headers)
    return [answer]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


server = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
print(server.server_port, flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()
