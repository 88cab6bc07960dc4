"""A stand-in for a Python Daebus peer, using only the standard library (PyPI is out of reach
here, so the real `daebus` package cannot be installed). It writes and reads the wire format
exactly as docs/protocol.md records the Python framework doing it: json.dumps with its default
separators and ASCII escapes, the caller's key order, caller:<uuid4> reply channels.

    python3 daebus_peer.py caller REDIS_URL SERVICE ACTION PAYLOAD_JSON [TIMEOUT_S]
    python3 daebus_peer.py caller_many REDIS_URL SERVICE ACTION COUNT     (COUNT requests in turn, payload {"n": i})
    python3 daebus_peer.py send_to_service REDIS_URL SERVICE ACTION PAYLOAD_JSON
    python3 daebus_peer.py service REDIS_URL SERVICE      (answers "echo" and "fail"; prints "ready")
"""
import json
import socket
import sys
import time
import uuid
from urllib.parse import urlparse


class Resp:
    """Just enough of the Redis protocol for PUBLISH and SUBSCRIBE."""

    def __init__(self, url):
        parsed = urlparse(url)
        self.sock = socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379))
        self.file = self.sock.makefile("rb")
        if parsed.password:
            self.call("AUTH", parsed.password)

    def send(self, *args):
        out = b"*%d\r\n" % len(args)
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            out += b"$%d\r\n%s\r\n" % (len(data), data)
        self.sock.sendall(out)

    def read(self):
        line = self.file.readline()
        kind, body = line[:1], line[1:-2]
        if kind == b"+":
            return body.decode()
        if kind == b"-":
            raise RuntimeError(body.decode())
        if kind == b":":
            return int(body)
        if kind == b"$":
            size = int(body)
            return None if size < 0 else self.file.read(size + 2)[:-2]
        if kind == b"*":
            return [self.read() for _ in range(int(body))]
        raise RuntimeError("unexpected reply %r" % line)

    def call(self, *args):
        self.send(*args)
        return self.read()

    def messages(self, timeout):
        """Yield (channel, text) of pub/sub messages until `timeout` seconds pass."""
        self.sock.settimeout(timeout)
        while True:
            try:
                frame = self.read()
            except socket.timeout:
                return
            if isinstance(frame, list) and frame and frame[0] == b"message":
                yield frame[1].decode(), frame[2].decode("utf-8", "replace")


def caller(url, service, action, payload, timeout):
    """Python DaebusCaller.send_request: prints {"progress": [...], "response": {...}}."""
    reply_to = "caller:%s" % uuid.uuid4()
    sub = Resp(url)
    sub.call("SUBSCRIBE", reply_to)
    request_id = str(uuid.uuid4())
    message = {"action": action, "payload": payload, "reply_to": reply_to, "request_id": request_id, "service": service}
    Resp(url).call("PUBLISH", service, json.dumps(message))
    progress = []
    for _channel, text in sub.messages(timeout):
        response = json.loads(text)
        if response.get("request_id") != request_id:
            continue
        if response.get("final", True) is False:
            progress.append(response.get("payload"))
            continue
        print(json.dumps({"progress": progress, "response": response}))
        return
    print(json.dumps({"progress": progress, "response": None}))


def caller_many(url, service, action, count, timeout=10.0):
    """COUNT requests one after the other, as a Python caller makes them; prints the final replies' payloads."""
    reply_to = "caller:%s" % uuid.uuid4()
    sub = Resp(url)
    sub.call("SUBSCRIBE", reply_to)
    pub = Resp(url)
    finals = []
    for n in range(count):
        request_id = str(uuid.uuid4())
        message = {"action": action, "payload": {"n": n, "from": "python"}, "reply_to": reply_to, "request_id": request_id, "service": service}
        pub.call("PUBLISH", service, json.dumps(message))
        for _channel, text in sub.messages(timeout):
            response = json.loads(text)
            if response.get("request_id") == request_id and response.get("final", True) is not False:
                finals.append(response)
                break
    print(json.dumps({"finals": finals}))


def send_to_service(url, service, action, payload):
    """Python DaebusCaller.send_to_service: the payload with "action" added, no envelope."""
    message = dict(payload)
    message["action"] = action
    print(json.dumps({"receivers": Resp(url).call("PUBLISH", service, json.dumps(message))}))


def service(url, name):
    """A Python Daebus service with two actions, replying as the Python framework does."""
    sub = Resp(url)
    pub = Resp(url)
    sub.call("SUBSCRIBE", name)
    print("ready", flush=True)
    deadline = time.time() + 30
    for _channel, text in sub.messages(30):
        request = json.loads(text)
        payload = request.get("payload", {})
        if isinstance(payload, str):
            try:
                payload = json.loads(payload)
            except ValueError:
                payload = {}
        reply_to = request.get("reply_to") or "%s.responses" % request.get("service")
        if request.get("action") == "echo":
            pub.call("PUBLISH", reply_to, json.dumps({"status": "success", "payload": {"echo": payload, "from": "python"}, "request_id": request.get("request_id"), "final": False}))
            body = {"status": "success", "payload": {"echo": payload, "from": "python"}, "request_id": request.get("request_id"), "final": True}
        else:
            body = {"status": "error", "payload": {"error": "Missing job_id parameter"}, "request_id": request.get("request_id"), "final": True}
        pub.call("PUBLISH", reply_to, json.dumps(body))
        if time.time() > deadline:
            return


if __name__ == "__main__":
    role = sys.argv[1]
    if role == "caller":
        caller(sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5]), float(sys.argv[6]) if len(sys.argv) > 6 else 5.0)
    elif role == "caller_many":
        caller_many(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif role == "send_to_service":
        send_to_service(sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5]))
    elif role == "service":
        service(sys.argv[2], sys.argv[3])
