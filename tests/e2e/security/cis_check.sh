#!/bin/sh
# CIS Kubernetes Benchmark style checks that apply to a running `k1s server`: file modes of the
# data dir and kubeconfig, anonymous access, profiling, TLS versions and cipher suites, secrets
# encryption and the audit log. Prints PASS/FAIL per item and exits 1 if any failed.
#
# usage: cis_check.sh DATA_DIR KUBECONFIG SERVER_URL [AUDIT_LOG]
#   e.g. cis_check.sh /var/lib/k1s /etc/k1s/k1s.yaml https://127.0.0.1:6443 /var/log/k1s-audit.log
set -u
data=$1
kubeconfig=$2
server=$3
audit_log=${4:-}
tls=$data/server/tls
failed=0

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; failed=1; }
check() {  # check "description" command...
  what=$1
  shift
  if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}
mode_is() { [ "$(stat -c %a "$2")" = "$1" ]; }
# Every file matching the find expression has at most mode $1 (no group/other bits).
private_files() {
  bad=$(find "$@" -type f -perm /077 2>/dev/null)
  [ -z "$bad" ] || { echo "$bad" >&2; return 1; }
}
status_of() {  # HTTP status of a request to $server$1 with extra curl args
  path=$1
  shift
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$tls/server-ca.crt" "$@" \
    "$server$path"
}
admin() { echo --cert "$tls/client-admin.crt" --key "$tls/client-admin.key"; }
host_port=${server#https://}

# 1.1 / 4.1: files and directories
check "1.1.x kubeconfig $kubeconfig is 0600" mode_is 600 "$kubeconfig"
check "1.1.12 data dir $data is 0700" mode_is 700 "$data"
for dir in "$data/server" "$tls" "$data/server/db" "$data/server/cred"; do
  check "1.1.x directory $dir is 0700" mode_is 700 "$dir"
done
check "1.1.19-21 private keys in $tls are 0600" private_files "$tls" -name '*.key'
check "1.1.x database files are 0600" private_files "$data/server/db"
check "1.1.x join token is 0600" mode_is 600 "$data/server/token"
check "1.2.x secrets encryption config is 0600" mode_is 600 \
  "$data/server/cred/encryption-config.json"

# 1.2.1: anonymous requests are refused, except health and version
check "1.2.1 anonymous GET /api is 401" test "$(status_of /api)" = 401
check "1.2.1 anonymous GET /apis/apps/v1 is 401" test "$(status_of /apis/apps/v1)" = 401
check "1.2.1 anonymous GET /healthz is 200 (public)" test "$(status_of /healthz)" = 200
# 1.2.18: profiling off
check "1.2.18 /debug/pprof/ is not served" test "$(status_of /debug/pprof/ $(admin))" = 404
# 1.2.x: a bearer token that matches no credential is refused
check "1.2.x an unknown bootstrap token is refused" \
  test "$(status_of /api/v1/secrets --header 'Authorization: Bearer abcdef.0123456789abcdef')" = 401

# 1.2.x TLS: at least TLS 1.2 with strong ciphers only
tls_connects() {
  echo | openssl s_client -connect "$host_port" "$@" -CAfile "$tls/server-ca.crt" 2>/dev/null \
    | grep -q '^New, TLSv1'
}
check "1.2.x TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256 is accepted" \
  tls_connects -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
check "1.2.x TLS 1.3 is accepted" tls_connects -tls1_3
refuses() { ! tls_connects "$@"; }
check "1.2.x TLS 1.1 is refused" refuses -tls1_1
check "1.2.x CBC cipher ECDHE-ECDSA-AES128-SHA is refused" refuses -tls1_2 -cipher ECDHE-ECDSA-AES128-SHA
check "1.2.x RSA key exchange AES128-GCM-SHA256 is refused" refuses -tls1_2 -cipher AES128-GCM-SHA256

# 1.2.x audit log, when configured
if [ -n "$audit_log" ]; then
  check "1.2.16 audit log $audit_log exists and is written" test -s "$audit_log"
  check "1.2.x audit log is 0600" mode_is 600 "$audit_log"
fi

exit $failed
