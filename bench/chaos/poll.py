#!/usr/bin/env python3
"""Capacity poller of bench/chaos.sh: every INTERVAL seconds, how many instances take traffic.

    poll.py nonstop CONFIG OUT LATEST INTERVAL WANT
    poll.py supervisord SOCKET OUT LATEST INTERVAL WANT NAME=PORT...

nonstop      GET /v1/status of the running `nonstop up` (the body `nonstop status --json -c CONFIG`
             prints), with the URL and token from the files `up` writes beside CONFIG (.NAME.admin,
             .NAME.token), re-read on every poll: an upgrade may move the control API. An instance
             counts when its state is READY and "in_rotation" is true.
supervisord  supervisor.getAllProcessInfo over supervisord's unix socket (XML-RPC, what supervisorctl
             uses) and, for every program NAME, GET / on 127.0.0.1:PORT directly (in parallel; 1 s
             timeout, as nonstop's readiness probe). A program counts when it is RUNNING and answers 200: supervisord has no
             readiness, and nginx's own view of its servers is not observable (no status API in the
             open-source build).

Full capacity = at least WANT instances count. Each poll appends one JSON line to OUT:
  {"t": <epoch s, when the poll started>, "ok": <the status source answered>, "n": <instances
   counted>, "full": n >= WANT, "inst": [[slot, pid, state, counted, role, port], ...], "raw": ...}
("raw": the status body for nonstop, the process list and HTTP codes for supervisord). A poll that
fails has "ok": false and "err"; summarize.py leaves such polls out (unknown, not "below full").
LATEST is rewritten atomically after every good poll with one line per instance,
"slot pid state counted role", from which chaos.sh picks the pid it signals.
Stops on SIGTERM.
"""
import concurrent.futures
import http.client
import json
import os
import signal
import socket
import sys
import time
import urllib.request
import xmlrpc.client


def nonstop_source(config):
    d, name = os.path.split(os.path.abspath(config))
    admin_file, token_file = os.path.join(d, "." + name + ".admin"), os.path.join(d, "." + name + ".token")

    def poll():
        with open(admin_file) as f:
            url = json.load(f)["url"]
        with open(token_file) as f:
            token = f.read().strip()
        req = urllib.request.Request(url + "/v1/status", headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(req, timeout=1.0) as r:
            body = json.load(r)
        inst = []
        for i in body.get("instances", []):
            counted = i.get("state") == "READY" and bool(i.get("in_rotation"))
            inst.append([i.get("index"), i.get("pid"), i.get("state"), int(counted), i.get("role", "current"),
                         i.get("port")])
        return inst, body

    return poll


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=1.0)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


class _UnixTransport(xmlrpc.client.Transport):
    def __init__(self, path):
        super().__init__()
        self.unix_path = path

    def make_connection(self, host):
        return _UnixConnection(self.unix_path)


def _http_code(port):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=1.0) as r:
            r.read()
            return r.status
    except Exception as e:  # timeouts (a stopped process accepts, never answers), refused, resets
        return type(e).__name__


def supervisord_source(sock, ports):
    rpc = xmlrpc.client.ServerProxy("http://localhost", transport=_UnixTransport(sock))
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=len(ports))

    def poll():
        codes = dict(zip(ports, pool.map(_http_code, ports.values())))
        procs = rpc.supervisor.getAllProcessInfo()
        inst = []
        for p in procs:
            name = p["name"]
            if name not in ports:
                continue
            counted = p["statename"] == "RUNNING" and codes[name] == 200
            inst.append([int(name.rsplit("_", 1)[1]), p["pid"], p["statename"], int(counted), "current", ports[name]])
        raw = {"processes": [{k: p[k] for k in ("name", "pid", "statename", "start", "now")} for p in procs],
               "http": codes}
        return inst, raw

    return poll


def main(argv):
    mode, src, out, latest, interval, want = argv[1:7]
    interval, want = float(interval), int(want)
    if mode == "nonstop":
        poll = nonstop_source(src)
    elif mode == "supervisord":
        poll = supervisord_source(src, {k: int(v) for k, v in (a.split("=", 1) for a in argv[7:])})
    else:
        sys.exit("poll.py: mode %r (expected: nonstop or supervisord)" % mode)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(out, "a", buffering=1) as f:
        nxt = time.time()
        while True:
            t = time.time()
            try:
                inst, raw = poll()
                n = sum(i[3] for i in inst)
                f.write(json.dumps({"t": round(t, 4), "ok": True, "n": n, "full": n >= want, "inst": inst,
                                    "raw": raw}, separators=(",", ":")) + "\n")
                with open(latest + ".tmp", "w") as lf:
                    for i in inst:
                        lf.write("%s %s %s %s %s\n" % tuple(i[:5]))
                os.replace(latest + ".tmp", latest)
            except Exception as e:
                f.write(json.dumps({"t": round(t, 4), "ok": False, "err": "%s: %s" % (type(e).__name__, e)}) + "\n")
            nxt += interval
            time.sleep(max(0.0, nxt - time.time()))
            if time.time() - nxt > interval:  # fell behind (a slow poll): do not catch up in a burst
                nxt = time.time()


if __name__ == "__main__":
    main(sys.argv)
