#!/usr/bin/env python3
"""A loopback HTTP server for Nightshift's HTTP and provider tests.

It speaks the real wire formats of OpenAI's /v1/embeddings and /v1/chat/completions (JSON and SSE `data:` lines
ending in `data: [DONE]`) and Anthropic's /v1/messages (JSON and SSE `event:`/`data:` pairs), plus plain HTTP
endpoints for the client's own tests (redirects, statuses, big bodies, slow and stalled answers, chunked streams).

Usage: mock_provider_server.py [--port N] [--script FILE]
Prints `PORT <n>` on stdout once listening; exits when stdin closes (the test process went away) or on SIGTERM.

Scripting: a script is {"routes": {PATH: [STEP, ...]}}. Each request to PATH (query ignored) takes the next step;
a step with "times": n serves n requests; once the steps are used up, the path behaves normally. A step may hold:
  "sleep": seconds        wait before answering (then the rest of the step, or normal behaviour)
  "status": code          answer with this status ("json" or "body" give the body; a 4xx/5xx without either gets
                          the provider's own error shape: OpenAI's {"error": {...}} or Anthropic's
                          {"type": "error", "error": {...}})
  "headers": {...}        extra response headers
  "retry_after": "1"      a Retry-After header; "date+N" sends an HTTP-date N seconds ahead
  "json": {...} / "body": "text"   a literal body; the string "{auth}" inside is replaced by the received API key
  "malformed": true       200 with a truncated JSON body (or a broken SSE stream when streaming)
  "disconnect": true      close the connection without an answer
  "dimension": d          embeddings with d numbers instead of the requested dimensions
  "drop_one": true        embeddings: one vector fewer than inputs
  "shuffle": true         embeddings: the data array in reversed order (each item keeps its true "index")
  "content": "text"       chat: the answer text
  "stream_error_after": n chat streaming: n deltas, then the provider's in-stream error event
  "require": {"basic": "user:password", "query": {"name": "value"}}
                          answer 401 unless the request carries this Basic authorization and these query values
Control endpoints: POST /_control/script (replace the script), GET /_control/requests (what was received),
GET /_control/stats (calls and peak concurrency per path), POST /_control/reset.
"""

import argparse
import base64
import email.utils
import json
import os
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
STATE = {"script": {}, "calls": {}, "requests": [], "inflight": {}, "max_inflight": {}}


def reset(script=None):
    with LOCK:
        STATE["script"] = (script or {}).get("routes", {})
        STATE["calls"] = {}
        STATE["requests"] = []
        STATE["inflight"] = {}
        STATE["max_inflight"] = {}


def next_step(path):
    """The step for this call of `path` (None: normal behaviour), and the 1-based call number."""
    with LOCK:
        number = STATE["calls"].get(path, 0) + 1
        STATE["calls"][path] = number
        steps = STATE["script"].get(path, [])
        position = 0
        for step in steps:
            times = int(step.get("times", 1))
            if number <= position + times:
                return step, number
            position += times
        return None, number


def words(text):
    return re.findall(r"\S+", text)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "NightshiftMock/1.0"
    # Headers and body go out in separate writes; with Nagle on, a kept-alive connection waits 40 ms per answer.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # quiet: the tests read the recorded requests instead
        pass

    # ---- plumbing -------------------------------------------------------------------------------------------

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send_bytes(self, status, body, content_type="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def send_json(self, status, value, headers=None):
        self.send_bytes(status, json.dumps(value).encode(), "application/json", headers)

    def start_chunked(self, status, content_type, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.flush()

    def chunk(self, data):
        if isinstance(data, str):
            data = data.encode()
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

    def end_chunked(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def received_key(self):
        auth = self.headers.get("Authorization") or ""
        if auth.lower().startswith("bearer "):
            return auth[7:]
        return self.headers.get("x-api-key") or ""

    # ---- dispatch -------------------------------------------------------------------------------------------

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def do_PATCH(self):
        self.handle_any()

    def do_HEAD(self):
        self.handle_any()

    def handle_any(self):
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        body = self.read_body()
        if path.startswith("/_control/"):
            return self.control(path, body)
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        step, number = next_step(path)
        with LOCK:
            STATE["requests"].append({
                "method": self.command, "path": path, "query": parts.query, "call": number,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"), "json": parsed, "time": time.time(),
            })
            STATE["inflight"][path] = STATE["inflight"].get(path, 0) + 1
            STATE["max_inflight"][path] = max(STATE["max_inflight"].get(path, 0), STATE["inflight"][path])
        try:
            self.respond(path, query, parsed, step or {})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            with LOCK:
                STATE["inflight"][path] -= 1

    def control(self, path, body):
        if path == "/_control/script":
            reset(json.loads(body or b"{}"))
            return self.send_json(200, {"ok": True})
        if path == "/_control/reset":
            reset()
            return self.send_json(200, {"ok": True})
        if path == "/_control/requests":
            with LOCK:
                return self.send_json(200, {"requests": list(STATE["requests"])})
        if path == "/_control/stats":
            with LOCK:
                return self.send_json(200, {"calls": STATE["calls"], "max_inflight": STATE["max_inflight"]})
        return self.send_json(404, {"error": {"message": "no such control endpoint"}})

    def respond(self, path, query, request, step):
        if "require" in step and not self.authorized(step["require"], query):
            return self.send_json(401, {"error": {"message": "credentials required"}},
                                  {"WWW-Authenticate": 'Basic realm="mock"'})
        if "sleep" in step:
            time.sleep(float(step["sleep"]))
        if step.get("disconnect"):
            self.close_connection = True
            return
        headers = dict(step.get("headers", {}))
        if "retry_after" in step:
            value = str(step["retry_after"])
            if value.startswith("date+"):
                value = email.utils.formatdate(time.time() + float(value[5:]), usegmt=True)
            headers["Retry-After"] = value
        if "status" in step:
            return self.literal(path, step, headers)
        if step.get("malformed") and not (request or {}).get("stream"):
            return self.send_bytes(200, b'{"id": "x", "object": "list", "data": [{"embedding": [0.1, ', headers=headers)
        if path == "/v1/embeddings":
            return self.embeddings(request or {}, step, headers)
        if path == "/v1/chat/completions":
            return self.openai_chat(request or {}, step, headers)
        if path == "/v1/messages":
            return self.anthropic_messages(request or {}, step, headers)
        return self.plain(path, query, request, headers)

    def authorized(self, required, query):
        if "basic" in required:
            expected = "Basic " + base64.b64encode(required["basic"].encode()).decode()
            if (self.headers.get("Authorization") or "") != expected:
                return False
        for name, value in required.get("query", {}).items():
            if query.get(name, [None])[0] != value:
                return False
        return True

    def literal(self, path, step, headers):
        status = int(step["status"])
        if "json" in step:
            text = json.dumps(step["json"]).replace("{auth}", self.received_key())
            return self.send_bytes(status, text.encode(), "application/json", headers)
        if "body" in step:
            text = str(step["body"]).replace("{auth}", self.received_key())
            return self.send_bytes(status, text.encode(), headers.pop("Content-Type", "text/plain"), headers)
        if status >= 400:
            return self.send_json(status, self.provider_error(path, status), headers)
        return self.send_bytes(status, b"", "text/plain", headers)

    @staticmethod
    def provider_error(path, status):
        kinds = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error",
                 429: "rate_limit_error", 529: "overloaded_error"}
        kind = kinds.get(status, "api_error")
        message = "mock error %d" % status
        if path == "/v1/messages":
            return {"type": "error", "error": {"type": kind, "message": message}}
        return {"error": {"message": message, "type": kind, "param": None, "code": None}}

    # ---- plain HTTP endpoints -------------------------------------------------------------------------------

    def plain(self, path, query, request, headers):
        arg = lambda name, default: query.get(name, [default])[0]
        if path.startswith("/status/"):
            status = int(path.rsplit("/", 1)[1])
            return self.send_json(status, {"error": {"message": "status %d" % status}}, headers)
        if path.startswith("/redirect/"):
            remaining = int(path.rsplit("/", 1)[1])
            if remaining <= 0:
                return self.send_bytes(200, b"arrived", "text/plain; charset=utf-8", headers)
            headers["Location"] = "/redirect/%d" % (remaining - 1)
            return self.send_bytes(302, b"", "text/plain", headers)
        if path.startswith("/bytes/"):
            size = int(path.rsplit("/", 1)[1])
            block = b"x" * 65536
            if arg("chunked", "0") == "1":
                self.start_chunked(200, "application/octet-stream", headers)
                sent = 0
                while sent < size:
                    part = block[: min(len(block), size - sent)]
                    self.chunk(part)
                    sent += len(part)
                return self.end_chunked()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            sent = 0
            while sent < size:
                part = block[: min(len(block), size - sent)]
                self.wfile.write(part)
                sent += len(part)
            return
        if path == "/slow":
            time.sleep(float(arg("delay", "5")))
            return self.send_bytes(200, b"slow done", "text/plain", headers)
        if path == "/stall":
            self.start_chunked(200, "text/plain", headers)
            self.chunk(b"y" * int(arg("after", "10")))
            time.sleep(float(arg("delay", "5")))
            self.chunk(b"late")
            return self.end_chunked()
        if path == "/chunks":
            count, delay = int(arg("count", "5")), float(arg("delay", "0.05"))
            self.start_chunked(200, "text/plain", headers)
            for i in range(count):
                self.chunk("chunk %d\n" % i)
                time.sleep(delay)
            return self.end_chunked()
        if path == "/sse":
            count = int(arg("count", "3"))
            self.start_chunked(200, "text/event-stream", headers)
            for i in range(count):
                # Split each event across two writes so the client must join partial lines.
                self.chunk("event: tick\r\nid: %d\r\nda" % i)
                time.sleep(0.01)
                self.chunk("ta: {\"n\": %d}\r\n\r\n" % i)
            self.chunk(": a comment line\n\n")
            return self.end_chunked()
        if path == "/headers":
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=ISO-8859-1")
            self.send_header("X-Mixed-Case", "one")
            self.send_header("Set-Cookie", "a=1")
            self.send_header("Set-Cookie", "b=2")
            self.send_header("Content-Length", "2")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(b"ok")
            return
        if path == "/echo" or path.startswith("/echo/"):
            return self.send_json(200, {
                "method": self.command, "path": path, "query": {k: v[0] for k, v in query.items()},
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": self.last_body_text(),
            }, headers)
        return self.send_json(404, {"error": {"message": "no route for %s" % path}}, headers)

    def last_body_text(self):
        with LOCK:
            return STATE["requests"][-1]["body"] if STATE["requests"] else ""

    # ---- OpenAI embeddings ----------------------------------------------------------------------------------

    def embeddings(self, request, step, headers):
        inputs = request.get("input")
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not inputs or not all(isinstance(t, str) for t in inputs):
            return self.send_json(400, {"error": {"message": "'input' must be a string or an array of strings",
                                                  "type": "invalid_request_error", "param": "input", "code": None}})
        if any(t == "" for t in inputs):
            return self.send_json(400, {"error": {"message": "'$.input' is invalid: empty string",
                                                  "type": "invalid_request_error", "param": "input", "code": None}})
        dimension = int(step.get("dimension", request.get("dimensions") or 1536))
        data = []
        for index, text in enumerate(inputs):
            number = re.search(r"\d+", text)
            vector = [float(len(text)), float(number.group()) if number else -1.0] + [0.25] * max(0, dimension - 2)
            data.append({"object": "embedding", "index": index, "embedding": vector[:dimension]})
        if step.get("drop_one"):
            data = data[:-1]
        if step.get("shuffle"):
            data = list(reversed(data))
        tokens = sum(len(words(t)) for t in inputs)
        self.send_json(200, {"object": "list", "data": data, "model": request.get("model", "unknown"),
                             "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}, headers)

    # ---- OpenAI chat completions ----------------------------------------------------------------------------

    @staticmethod
    def last_user(messages):
        for message in reversed(messages or []):
            if message.get("role") == "user":
                content = message.get("content")
                if isinstance(content, list):
                    return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
                return str(content)
        return ""

    @staticmethod
    def pieces(content):
        """The answer in stream deltas: the first word, then each further word with its leading space."""
        parts = re.findall(r"\s*\S+", content)
        return parts or [content]

    def openai_chat(self, request, step, headers):
        messages = request.get("messages") or []
        model = request.get("model") or "gpt-mock"
        content = step.get("content", "openai: " + self.last_user(messages))
        prompt = sum(len(words(str(m.get("content", "")))) for m in messages)
        completion = len(words(content))
        usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
        if not request.get("stream"):
            return self.send_json(200, {
                "id": "chatcmpl-mock", "object": "chat.completion", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                             "logprobs": None, "finish_reason": "stop"}],
                "usage": usage,
            }, headers)
        self.start_chunked(200, "text/event-stream; charset=utf-8", headers)

        def event(delta, finish=None, extra=None):
            chunk = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": int(time.time()),
                     "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            if extra:
                chunk.update(extra)
            self.chunk("data: %s\n\n" % json.dumps(chunk))

        event({"role": "assistant", "content": ""})
        for i, piece in enumerate(self.pieces(content)):
            if "stream_error_after" in step and i >= int(step["stream_error_after"]):
                self.chunk("data: %s\n\n" % json.dumps({"error": {"message": "mock stream failure",
                                                                    "type": "server_error"}}))
                return self.end_chunked()
            if step.get("malformed") and i == 1:
                self.chunk("data: {\"choices\": [{\"delta\": \n\n")
                return self.end_chunked()
            event({"content": piece})
            time.sleep(0.005)
        event({}, "stop")
        if (request.get("stream_options") or {}).get("include_usage"):
            self.chunk("data: %s\n\n" % json.dumps({"id": "chatcmpl-mock", "object": "chat.completion.chunk",
                                                    "created": int(time.time()), "model": model, "choices": [],
                                                    "usage": usage}))
        self.chunk("data: [DONE]\n\n")
        self.end_chunked()

    # ---- Anthropic messages ---------------------------------------------------------------------------------

    def anthropic_messages(self, request, step, headers):
        if not self.headers.get("x-api-key") or self.headers.get("anthropic-version") != "2023-06-01":
            return self.send_json(401, {"type": "error", "error": {"type": "authentication_error",
                                                                  "message": "x-api-key and anthropic-version required"}})
        messages = request.get("messages") or []
        if any(m.get("role") not in ("user", "assistant") for m in messages):
            return self.send_json(400, {"type": "error", "error": {
                "type": "invalid_request_error",
                "message": "messages: Unexpected role. Use the top-level `system` parameter for a system prompt"}})
        if "max_tokens" not in request:
            return self.send_json(400, {"type": "error", "error": {"type": "invalid_request_error",
                                                                  "message": "max_tokens: Field required"}})
        model = request.get("model") or "claude-mock"
        content = step.get("content", "anthropic: " + self.last_user(messages))
        system = request.get("system") or ""
        if isinstance(system, list):
            system = " ".join(part.get("text", "") for part in system if isinstance(part, dict))
        prompt = len(words(system)) + sum(len(words(str(m.get("content", "")))) for m in messages)
        completion = len(words(content))
        if not request.get("stream"):
            return self.send_json(200, {
                "id": "msg_mock", "type": "message", "role": "assistant", "model": model,
                "content": [{"type": "text", "text": content}],
                "stop_reason": "end_turn", "stop_sequence": None,
                "usage": {"input_tokens": prompt, "output_tokens": completion},
            }, headers)
        self.start_chunked(200, "text/event-stream; charset=utf-8", headers)

        def event(kind, payload):
            payload = {"type": kind, **payload}
            self.chunk("event: %s\ndata: %s\n\n" % (kind, json.dumps(payload)))

        event("message_start", {"message": {
            "id": "msg_mock", "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": prompt, "output_tokens": 1}}})
        event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
        event("ping", {})
        for i, piece in enumerate(self.pieces(content)):
            if "stream_error_after" in step and i >= int(step["stream_error_after"]):
                event("error", {"error": {"type": "overloaded_error", "message": "Overloaded"}})
                return self.end_chunked()
            if step.get("malformed") and i == 1:
                self.chunk("event: content_block_delta\ndata: {\"type\": \"content_block_delta\", \"delta\n\n")
                return self.end_chunked()
            event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": piece}})
            time.sleep(0.005)
        event("content_block_stop", {"index": 0})
        event("message_delta", {"delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                "usage": {"output_tokens": completion}})
        event("message_stop", {})
        self.end_chunked()


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that hangs up (a cancelled or timed-out transfer) is part of the tests, not an error.
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionResetError, BrokenPipeError, TimeoutError)):
            super().handle_error(request, client_address)


def watch_stdin():
    """Exit when the parent closes our stdin (it stopped us or died)."""
    try:
        while sys.stdin.buffer.read(1024):
            pass
    finally:
        os._exit(0)


def detach_from_parent_state():
    """Undo what a threaded parent leaves to its children: blocked signals (so SIGTERM would be ignored) and
    inherited descriptors (another server's stdin pipe kept open here would keep that server alive)."""
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.closerange(3, 4096)


def main():
    detach_from_parent_state()
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--script")
    parser.add_argument("--no-stdin-watch", action="store_true")
    args = parser.parse_args()
    script = None
    if args.script:
        with open(args.script) as handle:
            script = json.load(handle)
    reset(script)
    server = Server(("127.0.0.1", args.port), Handler)
    if not args.no_stdin_watch:
        threading.Thread(target=watch_stdin, daemon=True).start()
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
