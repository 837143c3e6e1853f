"""Webhook receiver for scripts/bench-webhooks.sh: answers 200 and keeps each delivery's
event-to-arrival latency (occurred_at in the body, to the millisecond). SIGUSR1 starts a
measurement window, SIGUSR2 prints deliveries/s and latency percentiles for it."""
import http.server, json, signal, sys, threading, time
from datetime import datetime
lock = threading.Lock()
window = {"start": None, "lat": [], "first": None, "last": None}

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        now = time.time()
        try:
            at = datetime.fromisoformat(json.loads(body)["occurred_at"]).timestamp()
        except Exception:
            at = now
        with lock:
            if window["start"] is not None:
                window["lat"].append(now - at)
                window["first"] = window["first"] or now
                window["last"] = now
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass

def start(*_):
    with lock: window.update(start=time.time(), lat=[], first=None, last=None)
def report(*_):
    with lock:
        lat = sorted(window["lat"]); n = len(lat)
        span = (window["last"] or 0) - (window["start"] or 0)
    if n:
        print(f"received {n} deliveries in {span:.1f} s = {n/span:.0f} deliveries/s; latency p50 {lat[n//2]*1000:.0f} ms, "
              f"p95 {lat[int(n*0.95)]*1000:.0f} ms, max {lat[-1]*1000:.0f} ms", flush=True)
    else:
        print("received nothing", flush=True)
signal.signal(signal.SIGUSR1, start); signal.signal(signal.SIGUSR2, report)
s = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
s.daemon_threads = True
s.serve_forever()
