#!/usr/bin/python3
"""A client-library view of k1s: Debian's python3-kubernetes against a running k1s server.

Loads $KUBECONFIG, lists namespaces, creates, patches and deletes config maps in a fresh
namespace while a kubernetes.watch.Watch stream in another thread records what it sees. Exits
non-zero with a message naming the first mismatch; prints PASS on success.
"""

import sys
import threading
import time

import kubernetes
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

NAMESPACE = "python-scenario"
WATCH_SECONDS = 20


def fail(message):
    print("FAIL: " + message, flush=True)
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def expect_equal(actual, expected, what):
    if actual != expected:
        fail("%s: expected %r, got %r" % (what, expected, actual))


class Watcher(threading.Thread):
    """Collects (type, name, data) from a config map watch until stopped or timed out."""

    def __init__(self, core, namespace, resource_version):
        super().__init__(name="cm-watch", daemon=True)
        self.core = core
        self.namespace = namespace
        self.resource_version = resource_version
        self.watch = watch.Watch()
        self.events = []
        self.error = None
        self.lock = threading.Lock()

    def run(self):
        try:
            for event in self.watch.stream(self.core.list_namespaced_config_map,
                                           namespace=self.namespace,
                                           resource_version=self.resource_version,
                                           timeout_seconds=WATCH_SECONDS):
                obj = event["object"]
                if obj.metadata.name == "kube-root-ca.crt":
                    continue  # the server publishes its CA into every namespace
                with self.lock:
                    self.events.append((event["type"], obj.metadata.name, dict(obj.data or {}),
                                        obj.metadata.resource_version))
        except Exception as error:  # reported by the main thread
            self.error = error

    def wait_for(self, count, seconds=10):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.events) >= count:
                    return list(self.events)
            if self.error is not None:
                fail("watch stream failed: %r" % (self.error,))
            time.sleep(0.05)
        with self.lock:
            fail("expected %d watch events within %ds, saw %r" % (count, seconds, self.events))


def main():
    config.load_kube_config()
    core = client.CoreV1Api()
    version = client.VersionApi().get_code()
    expect_equal(version.git_version, "v1.32.0+k1s1", "server version")

    names = sorted(ns.metadata.name for ns in core.list_namespace().items)
    for system in ("default", "kube-node-lease", "kube-public", "kube-system"):
        expect(system in names, "namespace %s missing from %r" % (system, names))

    ns = core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NAMESPACE)))
    expect_equal(ns.metadata.name, NAMESPACE, "created namespace name")
    expect_equal(ns.status.phase, "Active", "new namespace phase")
    expect_equal((ns.metadata.labels or {}).get("kubernetes.io/metadata.name"), NAMESPACE,
                 "kubernetes.io/metadata.name label")

    listed = core.list_namespaced_config_map(NAMESPACE)
    start_rv = listed.metadata.resource_version
    expect(start_rv, "list has no resourceVersion")
    watcher = Watcher(core, NAMESPACE, start_rv)
    watcher.start()

    body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="cfg", labels={"app": "py"}),
                              data={"mode": "initial"})
    created = core.create_namespaced_config_map(NAMESPACE, body)
    expect_equal(created.data, {"mode": "initial"}, "created data")
    expect(created.metadata.uid, "created config map has no uid")
    expect(created.metadata.creation_timestamp is not None, "no creationTimestamp")

    # The library sends a list body as JSON patch and a dict as strategic merge patch.
    patched = core.patch_namespaced_config_map("cfg", NAMESPACE, {"data": {"mode": "patched"}})
    expect_equal(patched.data, {"mode": "patched"}, "strategic merge patch result")
    expect(int(patched.metadata.resource_version) > int(created.metadata.resource_version),
           "resourceVersion did not grow: %s -> %s" % (created.metadata.resource_version,
                                                     patched.metadata.resource_version))
    patched = core.patch_namespaced_config_map(
        "cfg", NAMESPACE, [{"op": "add", "path": "/data/extra", "value": "1"}])
    expect_equal(patched.data, {"mode": "patched", "extra": "1"}, "json patch result")

    fetched = core.read_namespaced_config_map("cfg", NAMESPACE)
    expect_equal(fetched.data, {"mode": "patched", "extra": "1"}, "read after patch")
    selected = core.list_namespaced_config_map(NAMESPACE, label_selector="app=py")
    expect_equal([cm.metadata.name for cm in selected.items], ["cfg"], "label selector list")

    # A second object, then a stale replace that must conflict.
    core.create_namespaced_config_map(
        NAMESPACE, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="other")))
    stale = created
    stale.data = {"mode": "stale"}
    try:
        core.replace_namespaced_config_map("cfg", NAMESPACE, stale)
        fail("replace with an old resourceVersion succeeded")
    except ApiException as error:
        expect_equal(error.status, 409, "stale replace status")
        expect("the object has been modified" in error.body, "conflict body: " + error.body)

    try:
        core.read_namespaced_config_map("absent", NAMESPACE)
        fail("reading a missing config map succeeded")
    except ApiException as error:
        expect_equal(error.status, 404, "missing config map status")

    status = core.delete_namespaced_config_map("cfg", NAMESPACE)
    expect_equal(status.status, "Success", "delete status")
    core.delete_namespaced_config_map("other", NAMESPACE)

    seen = [(kind, name, data) for kind, name, data, _ in watcher.wait_for(6)]
    expected = [
        ("ADDED", "cfg", {"mode": "initial"}),
        ("MODIFIED", "cfg", {"mode": "patched"}),
        ("MODIFIED", "cfg", {"mode": "patched", "extra": "1"}),
        ("ADDED", "other", {}),
        ("DELETED", "cfg", {"mode": "patched", "extra": "1"}),
        ("DELETED", "other", {}),
    ]
    expect_equal(seen, expected, "watch events")
    versions = [int(rv) for _, _, _, rv in watcher.events]
    expect(versions == sorted(versions) and len(set(versions)) == len(versions),
           "watch resourceVersions not increasing: %r" % (versions,))
    watcher.watch.stop()

    remaining = core.list_namespaced_config_map(NAMESPACE)
    expect_equal([cm.metadata.name for cm in remaining.items], ["kube-root-ca.crt"],
                 "config maps left after delete (the server's CA bundle stays)")
    core.delete_namespace(NAMESPACE)
    deadline = time.monotonic() + 15
    while True:
        try:
            core.read_namespace(NAMESPACE)
        except ApiException as error:
            expect_equal(error.status, 404, "namespace read after delete")
            break
        if time.monotonic() > deadline:
            fail("namespace %s still exists 15s after delete" % NAMESPACE)
        time.sleep(0.1)

    print("PASS (kubernetes client %s)" % kubernetes.__version__, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
