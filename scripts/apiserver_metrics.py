#!/usr/bin/env python3
"""Reads k1s's /metrics for the benchmarks (scripts/bench), with the admin kubeconfig's client
certificate and only the standard library plus PyYAML.

  apiserver_metrics.py save KUBECONFIG FILE
      Writes the current /metrics text to FILE.
  apiserver_metrics.py bindings KUBECONFIG BASELINE OUT TARGET TIMEOUT_S
      Samples the count of successful pods/binding POSTs every 0.2 s and appends
      "<unix seconds> <count>" lines to OUT until it exceeds the count in the saved scrape
      BASELINE by TARGET (or TIMEOUT_S pass); prints the throughput over the window from the
      first to the last new binding.
  apiserver_metrics.py latency BEFORE AFTER
      Per verb, the requests between two saved scrapes and their p50/p99 latency, estimated from
      apiserver_request_duration_seconds buckets as Prometheus' histogram_quantile does.
"""
import base64
import collections
import os
import re
import ssl
import sys
import tempfile
import time
import urllib.request

import yaml

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
MUTATING = {"POST", "PUT", "PATCH", "DELETE", "DELETECOLLECTION"}


def _connection(kubeconfig):
    with open(kubeconfig) as f:
        config = yaml.safe_load(f)
    cluster = config["clusters"][0]["cluster"]
    user = config["users"][0]["user"]
    context = ssl.create_default_context()
    with tempfile.TemporaryDirectory() as tmp:
        ca = os.path.join(tmp, "ca.crt")
        cert = os.path.join(tmp, "client.crt")
        key = os.path.join(tmp, "client.key")
        for path, data in ((ca, cluster["certificate-authority-data"]),
                           (cert, user["client-certificate-data"]),
                           (key, user["client-key-data"])):
            with open(path, "wb") as out:
                out.write(base64.b64decode(data))
        context.load_verify_locations(ca)
        context.load_cert_chain(cert, key)
    return cluster["server"], context


def _scrape(server, context):
    with urllib.request.urlopen(server + "/metrics", context=context, timeout=10) as response:
        return response.read().decode()


def _samples(text):
    """(name, labels dict, value) for every labelled sample line."""
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match:
            yield match.group(1), dict(LABEL.findall(match.group(2))), float(match.group(3))


def _bindings(text):
    return sum(value for name, labels, value in _samples(text)
               if name == "apiserver_request_total" and labels.get("verb") == "POST"
               and labels.get("resource") == "pods" and labels.get("subresource") == "binding"
               and labels.get("code") == "201")


def bindings(kubeconfig, baseline, out, target, timeout):
    server, context = _connection(kubeconfig)
    with open(baseline) as f:
        start = _bindings(f.read())
    deadline = time.time() + timeout
    first = last = None  # (time, count) of the first and last samples that saw new bindings
    previous = start
    with open(out, "a") as log:
        while time.time() < deadline:
            now = time.time()
            count = _bindings(_scrape(server, context))
            log.write(f"{now:.3f} {int(count)}\n")
            if count > previous:
                # The first growth happened within the previous interval: start the window at
                # the sample before it, so the first binding's time is counted.
                if first is None:
                    first = (now - 0.2, previous)
                last = (now, count)
            previous = count
            if count - start >= target:
                break
            time.sleep(0.2)
    done = int(previous - start)
    if first is None or last[0] <= first[0]:
        print(f"bindings={done} window_s=0 pods_per_s=0")
        return 1 if done < target else 0
    window = last[0] - first[0]
    print(f"bindings={done} window_s={window:.2f} pods_per_s={(last[1] - first[1]) / window:.0f}")
    return 0 if done >= target else 1


def save(kubeconfig, path):
    server, context = _connection(kubeconfig)
    with open(path, "w") as f:
        f.write(_scrape(server, context))
    return 0


def _histograms(path):
    """verb -> {le: cumulative count} summed over resources."""
    out = collections.defaultdict(lambda: collections.defaultdict(float))
    with open(path) as f:
        for name, labels, value in _samples(f.read()):
            if name == "apiserver_request_duration_seconds_bucket":
                le = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
                out[labels["verb"]][le] += value
    return out


def _quantile(q, buckets):
    """Prometheus histogram_quantile over {le: cumulative count}."""
    bounds = sorted(buckets)
    total = buckets[bounds[-1]]
    if total <= 0:
        return None
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if bound == float("inf"):
                return lower_bound
            if count == lower_count:
                return bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (count - lower_count)
        lower_bound, lower_count = bound, count
    return bounds[-2] if len(bounds) > 1 else None


def latency(before_path, after_path):
    before, after = _histograms(before_path), _histograms(after_path)
    for verb in sorted(after):
        delta = {le: after[verb][le] - before.get(verb, {}).get(le, 0.0) for le in after[verb]}
        requests = int(delta.get(float("inf"), 0))
        if requests == 0:
            continue
        p50, p99 = _quantile(0.5, delta), _quantile(0.99, delta)
        kind = "mutating" if verb in MUTATING else "read"
        print(f"verb={verb} kind={kind} requests={requests} "
              f"p50_ms={p50 * 1000:.1f} p99_ms={p99 * 1000:.1f}")
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "save":
        return save(argv[2], argv[3])
    if len(argv) == 7 and argv[1] == "bindings":
        return bindings(argv[2], argv[3], argv[4], int(argv[5]), float(argv[6]))
    if len(argv) == 4 and argv[1] == "latency":
        return latency(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
