"""A peer that drives the REAL Python Daebus package (not a stand-in), for the interoperability
tests in test/redis/python-daebus.test.ts. It needs the package on PYTHONPATH and Debian's
python3-redis, python3-apscheduler and python3-websockets:

    PYTHONPATH=<daebus-py> /usr/bin/python3 real_daebus_peer.py MODE HOST PORT ...

Modes:

    caller HOST PORT SERVICE ACTION PAYLOAD_JSON [TIMEOUT_S]
        daebus.DaebusCaller(SERVICE).send_request(ACTION, PAYLOAD, on_progress=...). Prints one
        JSON object: {"ok": true, "result": ...} or {"ok": false, "error_type": ..., "error": ...},
        plus "progress" (what on_progress got, in order), "raw" (every message text published
        on the caller's reply channel, seen by a second subscriber) and "elapsed_s".

    send_to_service HOST PORT SERVICE ACTION PAYLOAD_JSON
        daebus.DaebusCaller(SERVICE).send_to_service(PAYLOAD, action=ACTION). Prints
        {"receivers": n}.

    service HOST PORT SERVICE
        A real daebus.Daebus service on channel SERVICE. Prints "READY" once Redis counts its
        subscriptions, then one line per observation ("RECEIVED {json}", "HEARD {json}"), and
        runs until it is killed or its stdin closes. Actions:
          echo        replies {"echo": <payload>, "from": "python"}
          steps       payload {"steps": n}: n progress updates (response.progress), then
                      {"done": true, "steps": n}
          clamp       one progress update with progress_percentage 150, then {"done": true}
          fail        replies with response.error("Missing job_id parameter")
          soft_error  a non-final error (response.error(..., final=False)), then a success
          raises      raises ValueError (the framework logs it and sends nothing)
          record      prints "RECEIVED" with what the framework parsed, replies {"recorded": true}
          announce    payload {"channel", "message"}: broadcast.send(channel, message),
                      replies {"receivers": n}
          nonfinite   what Python's json.dumps writes for float('nan') and float('inf'): with
                      payload {"channel"}, first broadcasts {"temp": NaN} there; then one
                      progress update {"p": Infinity}, then {"value": NaN, "high": Infinity,
                      "low": -Infinity, "text": "NaN"}
        and a listener on "<SERVICE>.inbox" that prints "HEARD <data>".
        The daebus logger is at DEBUG level on stderr.
"""
import json
import logging
import os
import sys
import threading
import time


def emit(*parts):
    print(" ".join(parts), flush=True)


def caller_mode(host, port, service, action, payload, timeout):
    import redis
    from daebus import DaebusCaller

    caller = DaebusCaller(service, redis_host=host, redis_port=port, timeout=timeout)

    # A second subscriber on the caller's own reply channel shows the messages exactly as sent.
    watcher = redis.Redis(host=host, port=port, decode_responses=True).pubsub()
    watcher.subscribe(caller.response_channel)
    deadline = time.time() + 5
    while time.time() < deadline:
        message = watcher.get_message(timeout=0.5)
        if message and message["type"] == "subscribe":
            break
    # the caller's own subscription: wait until Redis counts both
    while time.time() < deadline:
        if dict(caller.redis.pubsub_numsub(caller.response_channel)).get(caller.response_channel, 0) >= 2:
            break
        time.sleep(0.01)

    progress = []
    out = {}
    started = time.time()
    try:
        result = caller.send_request(action, payload, timeout=timeout, on_progress=progress.append)
        out.update(ok=True, result=result)
    except Exception as err:  # the real caller raises Exception (error reply) or TimeoutError
        out.update(ok=False, error_type=type(err).__name__, error=str(err))
    out["elapsed_s"] = round(time.time() - started, 3)

    raw = []
    done_by = time.time() + (0.3 if not out["ok"] and out["error_type"] == "TimeoutError" else 2)
    while time.time() < done_by:
        message = watcher.get_message(timeout=0.1)
        if message is None:
            if raw and raw_is_final(raw[-1]):
                break
            continue
        if message["type"] == "message":
            raw.append(message["data"])
            if raw_is_final(message["data"]):
                break
    out["progress"] = progress
    out["raw"] = raw
    print(json.dumps(out), flush=True)
    finish(watcher.close, caller.close)


def raw_is_final(text):
    try:
        return bool(json.loads(text).get("final", True))
    except Exception:
        return False


def send_to_service_mode(host, port, service, action, payload):
    from daebus import DaebusCaller

    caller = DaebusCaller(service, redis_host=host, redis_port=port)
    receivers = caller.send_to_service(payload, action=action)
    print(json.dumps({"receivers": receivers}), flush=True)
    finish(caller.close)


def finish(*closers):
    """Close, then exit at once: DaebusCaller.close() can race its own listener thread and raise
    (redis-py's pubsub is closed under the thread reading it); that is no part of the result."""
    for close in closers:
        try:
            close()
        except Exception:
            pass
    sys.stderr.flush()
    os._exit(0)


def service_mode(host, port, service):
    import redis
    from daebus import Daebus, broadcast, request, response
    from daebus.modules.pubsub import PubSubBroadcast

    logging.getLogger("daebus").setLevel(logging.DEBUG)
    app = Daebus(service)
    # Daebus() builds its broadcaster on a module-level client for localhost:6379, whatever
    # run() is given: point it at the same server as the service.
    app.broadcast = PubSubBroadcast(redis.Redis(host=host, port=port, decode_responses=True))
    inbox = "%s.inbox" % service

    @app.action("echo")
    def echo():
        response.send({"echo": request.payload, "from": "python"})

    @app.action("steps")
    def steps():
        n = int(request.payload.get("steps", 3))
        for i in range(1, n + 1):
            response.progress({"step": i}, progress_percentage=i * 100 // n)
        response.send({"done": True, "steps": n})

    @app.action("clamp")
    def clamp():
        response.progress({"stage": "over"}, progress_percentage=150)
        response.send({"done": True})

    @app.action("fail")
    def fail():
        response.error("Missing job_id parameter")

    @app.action("soft_error")
    def soft_error():
        response.error("just a warning", final=False)
        response.send({"after_warning": True})

    @app.action("raises")
    def raises():
        raise ValueError("boom from python")

    @app.action("record")
    def record():
        seen = {
            "raw": request.raw,
            "keys": list(request.raw.keys()),
            "payload": request.payload,
            "request_id": request.request_id,
            "reply_to": request.reply_to,
            "service": request.service,
        }
        emit("RECEIVED", json.dumps(seen))
        response.send({"recorded": True})

    @app.action("announce")
    def announce():
        receivers = broadcast.send(request.payload["channel"], request.payload["message"])
        response.send({"receivers": receivers})

    @app.action("nonfinite")
    def nonfinite():
        if request.payload.get("channel"):
            broadcast.send(request.payload["channel"], {"temp": float("nan")})
        response.send({"p": float("inf")}, final=False)
        response.send({"value": float("nan"), "high": float("inf"), "low": float("-inf"), "text": "NaN"})

    @app.listen(inbox)
    def heard(data):
        emit("HEARD", json.dumps(data))

    @app.on_start()
    def ready():
        # subscriptions are read by listener threads: wait until Redis counts them
        deadline = time.time() + 10
        while time.time() < deadline:
            counts = dict(app.redis.pubsub_numsub(service, inbox))
            if counts.get(service, 0) >= 1 and counts.get(inbox, 0) >= 1:
                break
            time.sleep(0.01)
        emit("READY")

    def exit_when_stdin_closes():
        # the test's process holds our stdin: when it goes, so do we
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            os._exit(0)

    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    app.run(service=service, redis_host=host, redis_port=port)


def main(argv):
    if len(argv) < 5:
        sys.exit(__doc__)
    mode, host, port, service = argv[1], argv[2], int(argv[3]), argv[4]
    if mode == "caller":
        timeout = float(argv[7]) if len(argv) > 7 else 5.0
        caller_mode(host, port, service, argv[5], json.loads(argv[6]), timeout)
    elif mode == "send_to_service":
        send_to_service_mode(host, port, service, argv[5], json.loads(argv[6]))
    elif mode == "service":
        service_mode(host, port, service)
    else:
        sys.exit("unknown mode %r\n%s" % (mode, __doc__))


if __name__ == "__main__":
    main(sys.argv)
