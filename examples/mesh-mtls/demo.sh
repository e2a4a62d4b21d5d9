#!/usr/bin/env bash
# Mesh mTLS between two services, step by step, with kuma-ts's kuma-cp, kumactl and kuma-dp.
#
#   examples/mesh-mtls/demo.sh            (from any directory; needs node, curl, openssl)
#
# Starts, in a temporary HOME: kuma-cp (memory store), an echo application for "backend" and one for
# "web", and one kuma-dp per service. Then shows:
#   (a) mTLS on and no MeshTrafficPermission: web -> backend is denied
#   (b) an Allow MeshTrafficPermission: web -> backend works
#   (c) STRICT: a client without a mesh certificate is refused (openssl s_client, plain HTTP)
#   (d) identities: kumactl inspect dataplanes, the DataplaneInsight mTLS block
#   (e) a Deny: the open connection is closed at once, new ones are refused
#   (f) CA rotation (add ca-2, switch to it, remove ca-1) with traffic flowing throughout
# Every step checks what it shows and stops with "FAILED: ..." when the product does not behave;
# exit code 0 means every step passed (the script doubles as a smoke test).
#
# Ports (environment, defaults in brackets):
#   BACKEND_APP_PORT [18001]  BACKEND_PROXY_PORT [18101]  BACKEND_READINESS_PORT [18901]
#   WEB_APP_PORT [18002]      WEB_PROXY_PORT [18102]      WEB_READINESS_PORT [18902]
#   WEB_OUTBOUND_PORT [18200] (the web application's way to backend: http://127.0.0.1:18200/)
#   kuma-cp: KUMA_DP_SERVER_PORT [5678] KUMA_API_SERVER_HTTP_PORT [5681]
#            KUMA_API_SERVER_HTTPS_PORT [5682] KUMA_DIAGNOSTICS_SERVER_PORT [5680]
# DEMO_PAUSE=1 keeps everything running after the last step until you press Enter.
# KEEP_WORKDIR=1 keeps the temporary directory (logs, tokens, certificates) after a successful run;
# it is always kept after a failure.
set -Eeuo pipefail

DEMO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$DEMO_DIR/../.." && pwd)

BACKEND_APP_PORT=${BACKEND_APP_PORT:-18001}
BACKEND_PROXY_PORT=${BACKEND_PROXY_PORT:-18101}
BACKEND_READINESS_PORT=${BACKEND_READINESS_PORT:-18901}
WEB_APP_PORT=${WEB_APP_PORT:-18002}
WEB_PROXY_PORT=${WEB_PROXY_PORT:-18102}
WEB_READINESS_PORT=${WEB_READINESS_PORT:-18902}
WEB_OUTBOUND_PORT=${WEB_OUTBOUND_PORT:-18200}
export KUMA_DP_SERVER_PORT=${KUMA_DP_SERVER_PORT:-5678}
export KUMA_API_SERVER_HTTP_PORT=${KUMA_API_SERVER_HTTP_PORT:-5681}
export KUMA_API_SERVER_HTTPS_PORT=${KUMA_API_SERVER_HTTPS_PORT:-5682}
export KUMA_DIAGNOSTICS_SERVER_PORT=${KUMA_DIAGNOSTICS_SERVER_PORT:-5680}
API="http://localhost:$KUMA_API_SERVER_HTTP_PORT"

# ---------------------------------------------------------------------------------------------
# Output and failure

if [[ -t 1 ]]; then BOLD=$'\e[1m' GREEN=$'\e[32m' RED=$'\e[31m' DIM=$'\e[2m' RESET=$'\e[0m'; else BOLD='' GREEN='' RED='' DIM='' RESET=''; fi
STEP=''
heading() { STEP=$1; printf '\n%s==> %s%s\n' "$BOLD" "$1" "$RESET"; }
say() { printf '%s\n' "$*"; }
pass() { printf '%s  ok: %s%s\n' "$GREEN" "$*" "$RESET"; }
show_cmd() { printf '%s$ %s%s\n' "$DIM" "$*" "$RESET"; }
indent() { sed 's/^/    /'; }

FAIL_REPORTED=''
fail() {
  FAIL_REPORTED=1
  printf '\n%sFAILED%s%s: %s%s\n' "$RED$BOLD" "${STEP:+ in \"$STEP\"}" "$RESET$RED" "$*" "$RESET" >&2
  if [[ -n ${WORK:-} ]]; then
    for log in "$WORK"/logs/*.log; do
      [[ -s $log ]] || continue
      printf '\n--- last lines of %s ---\n' "$log" >&2
      tail -n 15 "$log" | cut -c1-400 >&2
    done
    KEEP_WORKDIR=1
  fi
  exit 1
}

for tool in node curl openssl timeout; do
  command -v "$tool" >/dev/null || fail "'$tool' is needed but is not on PATH"
done
[[ -e $REPO/dist/bundle/kuma-cp.mjs || -e $REPO/dist/src/cli/kuma-cp/main.js ]] ||
  fail "kuma-ts is not built: run 'npm run setup' in $REPO first"

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
for port in "$KUMA_DP_SERVER_PORT" "$KUMA_API_SERVER_HTTP_PORT" "$KUMA_API_SERVER_HTTPS_PORT" "$KUMA_DIAGNOSTICS_SERVER_PORT" \
  "$BACKEND_APP_PORT" "$BACKEND_PROXY_PORT" "$BACKEND_READINESS_PORT" "$WEB_APP_PORT" "$WEB_PROXY_PORT" "$WEB_READINESS_PORT" "$WEB_OUTBOUND_PORT"; do
  port_free "$port" || fail "port $port is already in use; stop what uses it or choose other ports (see the top of $0)"
done

# ---------------------------------------------------------------------------------------------
# Processes: everything started here is stopped on exit

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kuma-mesh-mtls-demo.XXXXXX")
chmod 700 "$WORK"
mkdir -p "$WORK/logs"
PIDS=()

cleanup() {
  local status=$?
  set +e
  if ((status != 0 && status != 130 && status != 143)) && [[ -z $FAIL_REPORTED ]]; then
    printf '\n%sFAILED%s: a command failed unexpectedly (exit status %s) at line %s: %s%s\n' "$RED$BOLD" "${STEP:+ in \"$STEP\"}" "$status" "${ERR_LINE:-?}" "${ERR_COMMAND:-?}" "$RESET" >&2
    KEEP_WORKDIR=1
  fi
  # Stop in reverse start order: proxies before the control plane.
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[i]}" 2>/dev/null; done
  local deadline=$((SECONDS + 5))
  for pid in "${PIDS[@]}"; do
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if [[ ${KEEP_WORKDIR:-} == 1 ]]; then
    printf '\nLogs, tokens and certificates kept in %s\n' "$WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
# Remembered for the message above when `set -e` stops the script somewhere unexpected.
trap 'ERR_LINE=$LINENO ERR_COMMAND=$BASH_COMMAND' ERR
trap 'exit 130' INT
trap 'exit 143' TERM

# Our commands with the demo's HOME (kumactl config, kuma-cp work dir ~/.kuma).
kumactl() { HOME=$WORK node "$REPO/bin/kumactl" "$@"; }

start() { # start <log name> <command...>: runs in the background, remembers its pid
  local name=$1
  shift
  "$@" >"$WORK/logs/$name.log" 2>&1 &
  PIDS+=($!)
  eval "PID_${name//-/_}=$!"
}

alive() { # alive <log name>
  local var="PID_${1//-/_}"
  kill -0 "${!var}" 2>/dev/null || fail "$1 exited; see $WORK/logs/$1.log"
}

now_ms() { node -p 'Date.now()'; }


# JSON field from stdin: json 'expression over v' (v is the parsed document).
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{let v;try{v=JSON.parse(s)}catch{process.exit(1)}const r=('"$1"');process.stdout.write(typeof r==="string"?r:JSON.stringify(r))})'; }

# The mTLS block of a Dataplane's insight, "" while there is none.
mtls_of() { curl -fsS "$API/meshes/default/dataplanes/$1/_overview" 2>/dev/null | json 'v.dataplaneInsight?.mTLS ?? ""' || true; }

wait_for() { # wait_for <seconds> <description> <command...>
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    ((SECONDS < deadline)) || fail "$what: not within ${seconds}s${CURL_OUT:+ (last curl output: ${CURL_OUT:0:300})}"
    sleep 0.2
  done
}

# One request from "web" to backend through web's outbound; the body on success, curl's error otherwise.
CURL_OUT=''
call_backend() {
  CURL_OUT=$(curl -sS --max-time 5 -H 'x-demo: mesh-mtls' "http://127.0.0.1:$WEB_OUTBOUND_PORT${1:-/}" 2>&1)
}
backend_answers() { call_backend "$@" && [[ $CURL_OUT == *'"name": "backend"'* ]]; }
backend_refuses() { ! call_backend "$@" && [[ $CURL_OUT != *'"name": "backend"'* ]]; }

# ---------------------------------------------------------------------------------------------
heading "0. Start kuma-cp, the two applications and their kuma-dp"

say "working directory (temporary HOME): $WORK"

cd "$DEMO_DIR"
show_cmd "kuma-cp run"
start kuma-cp env HOME="$WORK" node "$REPO/bin/kuma-cp" run
cp_ready() { alive kuma-cp && curl -fsS -o /dev/null "http://localhost:$KUMA_DIAGNOSTICS_SERVER_PORT/ready" 2>/dev/null; }
wait_for 60 "kuma-cp ready" cp_ready
pass "kuma-cp is ready (API $API, DP server https://localhost:$KUMA_DP_SERVER_PORT)"

show_cmd "kumactl config control-planes add --name=demo --address=$API"
kumactl config control-planes add --name=demo --address="$API" | indent || fail "kumactl config control-planes add"

show_cmd "node echo-server.mjs $BACKEND_APP_PORT backend   # and: node echo-server.mjs $WEB_APP_PORT web"
start backend-app node "$DEMO_DIR/echo-server.mjs" "$BACKEND_APP_PORT" backend
start web-app node "$DEMO_DIR/echo-server.mjs" "$WEB_APP_PORT" web
app_up() { alive "$1" && curl -fsS -o /dev/null "http://127.0.0.1:$2/" 2>/dev/null; }
wait_for 10 "backend echo application" app_up backend-app "$BACKEND_APP_PORT"
wait_for 10 "web echo application" app_up web-app "$WEB_APP_PORT"
pass "applications answer on 127.0.0.1:$BACKEND_APP_PORT (backend) and 127.0.0.1:$WEB_APP_PORT (web)"

say
say "Enable mTLS on the mesh (kuma-cp creates the builtin CA ca-1):"
show_cmd "kumactl apply -f mesh.yaml"
APPLY_OUT=$(kumactl apply -f mesh.yaml 2>&1) || fail "kumactl apply -f mesh.yaml: $APPLY_OUT"
printf '%s\n' "$APPLY_OUT" | indent
[[ $APPLY_OUT == *'no MeshTrafficPermission'* ]] ||
  fail "applying a Mesh with mTLS on and no MeshTrafficPermission should warn that all traffic is denied"
pass "the API warns that with mTLS on and no MeshTrafficPermission all traffic is denied"
CA_PEM="$WORK/mesh-ca-1.crt"
curl -fsS "$API/meshes/default/secrets/default.ca-builtin-cert-ca-1" | json 'Buffer.from(v.data, "base64").toString()' >"$CA_PEM" ||
  fail "the builtin CA's Secret default.ca-builtin-cert-ca-1 was not created"
say "  mesh CA: $(openssl x509 -in "$CA_PEM" -noout -subject)"

CP_CA="$WORK/.kuma/kuma-cp.crt" # the control plane's own (autogenerated) certificate: kuma-dp verifies kuma-cp with it
for dp in backend web; do
  show_cmd "kumactl generate dataplane-token --name=$dp-1 --mesh=default --valid-for=1h > $dp-1.token"
  kumactl generate dataplane-token --name="$dp-1" --mesh=default --valid-for=1h >"$WORK/$dp-1.token" ||
    fail "kumactl generate dataplane-token --name=$dp-1"
  chmod 600 "$WORK/$dp-1.token"
done

show_cmd "kuma-dp run --cp-address=https://localhost:$KUMA_DP_SERVER_PORT --ca-cert-file=\$HOME/.kuma/kuma-cp.crt --dataplane-file=backend.dataplane.yaml -v proxyPort=$BACKEND_PROXY_PORT -v appPort=$BACKEND_APP_PORT --dataplane-token-file=backend-1.token"
start backend-dp env HOME="$WORK" KUMA_READINESS_PORT="$BACKEND_READINESS_PORT" node "$REPO/bin/kuma-dp" run \
  --cp-address="https://localhost:$KUMA_DP_SERVER_PORT" --ca-cert-file="$CP_CA" \
  --dataplane-file="$DEMO_DIR/backend.dataplane.yaml" -v "proxyPort=$BACKEND_PROXY_PORT" -v "appPort=$BACKEND_APP_PORT" \
  --dataplane-token-file="$WORK/backend-1.token" --drain-time=1s
show_cmd "kuma-dp run --cp-address=https://localhost:$KUMA_DP_SERVER_PORT --ca-cert-file=\$HOME/.kuma/kuma-cp.crt --dataplane-file=web.dataplane.yaml -v proxyPort=$WEB_PROXY_PORT -v appPort=$WEB_APP_PORT -v backendPort=$WEB_OUTBOUND_PORT --dataplane-token-file=web-1.token"
start web-dp env HOME="$WORK" KUMA_READINESS_PORT="$WEB_READINESS_PORT" node "$REPO/bin/kuma-dp" run \
  --cp-address="https://localhost:$KUMA_DP_SERVER_PORT" --ca-cert-file="$CP_CA" \
  --dataplane-file="$DEMO_DIR/web.dataplane.yaml" -v "proxyPort=$WEB_PROXY_PORT" -v "appPort=$WEB_APP_PORT" -v "backendPort=$WEB_OUTBOUND_PORT" \
  --dataplane-token-file="$WORK/web-1.token" --drain-time=1s

dp_ready() { alive "$1-dp" && curl -fsS -o /dev/null "http://127.0.0.1:$2/ready" 2>/dev/null; }
wait_for 30 "backend kuma-dp ready" dp_ready backend "$BACKEND_READINESS_PORT"
wait_for 30 "web kuma-dp ready" dp_ready web "$WEB_READINESS_PORT"
has_identity() { alive "$1-dp" && [[ $(mtls_of "$1-1" | json 'v.issuedBackend ?? ""') == "$2" ]]; }
wait_for 30 "backend-1 gets its identity certificate from ca-1" has_identity backend ca-1
wait_for 30 "web-1 gets its identity certificate from ca-1" has_identity web ca-1
listening() { alive "$1-dp" && ! port_free "$2"; }
wait_for 30 "backend inbound listening on $BACKEND_PROXY_PORT" listening backend "$BACKEND_PROXY_PORT"
wait_for 30 "web outbound listening on $WEB_OUTBOUND_PORT" listening web "$WEB_OUTBOUND_PORT"
pass "both proxies are ready, each with an identity certificate from ca-1"

# ---------------------------------------------------------------------------------------------
heading "(a) mTLS on, no MeshTrafficPermission: web -> backend is DENIED"

show_cmd "curl http://127.0.0.1:$WEB_OUTBOUND_PORT/   # from the web side, through web's outbound"
denial_logged() { grep -q 'connection denied by traffic permission' "$WORK/logs/backend-dp.log"; }
a_denied() {
  backend_answers && fail "backend answered although no MeshTrafficPermission allows it:"$'\n'"$CURL_OUT"
  denial_logged
}
wait_for 15 "the backend proxy denying web's connection (a denial in its log)" a_denied
printf '%s\n' "$CURL_OUT" | indent
say "  the backend proxy's log (it saw web's certificate, and no policy allows it):"
grep 'connection denied by traffic permission' "$WORK/logs/backend-dp.log" | tail -n 1 | cut -c1-400 | indent
grep 'connection denied by traffic permission' "$WORK/logs/backend-dp.log" | grep -q 'spiffe://default/web' ||
  fail "the denial does not name the client identity spiffe://default/web"
pass "denied: Kuma's rule, mTLS on and no MeshTrafficPermission denies everything"

# ---------------------------------------------------------------------------------------------
heading "(b) Allow web -> backend: the same request now works"

show_cmd "kumactl apply -f allow-web-to-backend.yaml"
kumactl apply -f allow-web-to-backend.yaml 2>&1 | indent || fail "kumactl apply -f allow-web-to-backend.yaml"
wait_for 10 "web -> backend allowed" backend_answers /hello
show_cmd "curl http://127.0.0.1:$WEB_OUTBOUND_PORT/hello"
printf '%s\n' "$CURL_OUT" | indent
pass "web reached backend through both proxies over mesh mTLS (the application got plain HTTP)"

# ---------------------------------------------------------------------------------------------
heading "(c) STRICT: a client without a mesh certificate is refused"

show_cmd "openssl s_client -connect 127.0.0.1:$BACKEND_PROXY_PORT -alpn kuma -CAfile mesh-ca-1.crt -showcerts   # no -cert/-key"
S_CLIENT_OUT=$(printf 'GET / HTTP/1.0\r\n\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$BACKEND_PROXY_PORT" -alpn kuma -CAfile "$CA_PEM" -showcerts -ign_eof 2>&1) && S_STATUS=0 || S_STATUS=$?
[[ $S_CLIENT_OUT != *'"name": "backend"'* ]] || fail "the STRICT inbound let a client without a certificate reach backend"
((S_STATUS != 0)) || fail "openssl s_client without a client certificate succeeded against the STRICT inbound"
printf '%s\n' "$S_CLIENT_OUT" | grep -iE 'verify return code:|alert' | cut -c1-200 | indent
pass "refused (openssl exit code $S_STATUS): the inbound requires a client certificate from the mesh CA"

show_cmd "curl http://127.0.0.1:$BACKEND_PROXY_PORT/   # plaintext"
if PLAIN_OUT=$(curl -sS --max-time 5 "http://127.0.0.1:$BACKEND_PROXY_PORT/" 2>&1); then
  fail "plaintext HTTP passed the STRICT inbound: $PLAIN_OUT"
fi
printf '%s\n' "$PLAIN_OUT" | indent
pass "plaintext refused too"

say
say "The refused handshake still showed the backend proxy's certificate (servers speak first):"
SERVER_CERT="$WORK/backend-1-identity.crt"
printf '%s\n' "$S_CLIENT_OUT" | awk '/-----BEGIN CERTIFICATE-----/{p=1} p{print} /-----END CERTIFICATE-----/{if(p) exit}' >"$SERVER_CERT"
[[ -s $SERVER_CERT ]] || fail "openssl s_client did not show the backend proxy's certificate"
show_cmd "openssl x509 -noout -subject -issuer -enddate -ext subjectAltName,extendedKeyUsage,basicConstraints"
openssl x509 -in "$SERVER_CERT" -noout -subject -issuer -enddate -ext subjectAltName,extendedKeyUsage,basicConstraints 2>&1 | indent
SANS=$(openssl x509 -in "$SERVER_CERT" -noout -ext subjectAltName 2>&1)
for san in 'URI:spiffe://default/backend' 'URI:kuma://kuma.io/service/backend' 'URI:kuma://version/v1'; do
  [[ $SANS == *"$san"* ]] || fail "the backend proxy's certificate lacks $san (SANs: $SANS)"
done
show_cmd "openssl verify -CAfile mesh-ca-1.crt backend-1-identity.crt"
openssl verify -CAfile "$CA_PEM" "$SERVER_CERT" 2>&1 | indent
openssl verify -CAfile "$CA_PEM" "$SERVER_CERT" >/dev/null 2>&1 || fail "the backend proxy's certificate does not verify with the mesh CA ca-1"
pass "backend's identity: spiffe://default/backend plus kuma:// tag SANs, signed by the mesh CA ca-1"

# ---------------------------------------------------------------------------------------------
heading "(d) Identities as the control plane sees them"

show_cmd "kumactl inspect dataplanes"
kumactl inspect dataplanes | indent
kumactl inspect dataplanes | grep -q 'ca-1' || fail "kumactl inspect dataplanes does not show the CERT BACKEND ca-1"
say
show_cmd "curl $API/meshes/default/dataplanes/web-1/_overview   # .dataplaneInsight.mTLS"
mtls_of web-1 | json 'JSON.stringify(v, null, 2)' | indent
echo
[[ $(mtls_of web-1 | json 'v.supportedBackends?.join(",") ?? ""') == ca-1 ]] || fail "web-1's insight does not list ca-1 as its supported backend"
say
say "Each proxy's private key was generated by its kuma-dp and never left it (kuma-cp signed a CSR):"
say "the control plane stores the mesh CA and token signing keys, and no key of any proxy."
show_cmd "kumactl get secrets"
SECRETS=$(kumactl get secrets) || fail "kumactl get secrets"
printf '%s\n' "$SECRETS" | indent
[[ $SECRETS != *backend-1* && $SECRETS != *web-1* ]] || fail "the control plane stores a Secret named after a proxy"
pass "both identities are visible: backend, expiration, regenerations, trusted backends"

# ---------------------------------------------------------------------------------------------
heading "(e) Deny web -> backend: the open connection is closed, new ones are refused"

say "Hold one keep-alive connection from web to backend open (a request every 300 ms):"
show_cmd "node hold-connection.mjs $WEB_OUTBOUND_PORT 20 &"
start held-connection node "$DEMO_DIR/hold-connection.mjs" "$WEB_OUTBOUND_PORT" 20
count_ok() { local n; n=$(grep -c '^response .*: 200' "$1" 2>/dev/null) || true; echo "${n:-0}"; }
responses() { count_ok "$WORK/logs/held-connection.log"; }
held_ok() { (($(responses) >= 3)); }
wait_for 10 "the held connection getting answers" held_ok
say "  $(responses) answers so far on the held connection"
show_cmd "kumactl apply -f deny-web-to-backend.yaml"
DENY_AT=$(now_ms)
kumactl apply -f deny-web-to-backend.yaml 2>&1 | indent || fail "kumactl apply -f deny-web-to-backend.yaml"
held_closed() { grep -q '^CLOSED' "$WORK/logs/held-connection.log"; }
wait_for 5 "the open connection from web being closed by the Deny" held_closed
say "  the held connection: $(tail -n 1 "$WORK/logs/held-connection.log") (seen closed $(($(now_ms) - DENY_AT)) ms after kumactl apply started)"
wait_for 10 "new requests from web refused" backend_refuses
show_cmd "curl http://127.0.0.1:$WEB_OUTBOUND_PORT/"
printf '%s\n' "$CURL_OUT" | indent
pass "denied again: the open connection was closed and new ones are refused"

# ---------------------------------------------------------------------------------------------
heading "(f) CA rotation with traffic flowing: add ca-2, switch to it, remove ca-1"

show_cmd "kumactl apply -f allow-web-to-backend.yaml"
kumactl apply -f allow-web-to-backend.yaml 2>&1 | indent || fail "kumactl apply -f allow-web-to-backend.yaml"
wait_for 10 "web -> backend allowed again" backend_answers
say "Traffic during the rotation: one held connection plus a new connection every 100 ms."
start held-rotation node "$DEMO_DIR/hold-connection.mjs" "$WEB_OUTBOUND_PORT" 120
TRAFFIC_LOG="$WORK/logs/rotation-traffic.log"
start rotation-traffic bash -c "while :; do if curl -fsS --max-time 5 http://127.0.0.1:$WEB_OUTBOUND_PORT/ -o /dev/null 2>/dev/null; then echo ok; else echo fail; fi; sleep 0.1; done"
rotation_held_ok() { (($(count_ok "$WORK/logs/held-rotation.log") >= 1)); }
wait_for 10 "traffic flowing before the rotation" rotation_held_ok

backends_are() { # backends_are <dataplane> <issued> <supported, comma-separated>
  [[ $(mtls_of "$1" | json '`${v.issuedBackend}/${(v.supportedBackends ?? []).join(",")}`') == "$2/$3" ]]
}
rotation_step() { # rotation_step <file> <issued> <supported>
  show_cmd "kumactl apply -f $1"
  kumactl apply -f "$1" 2>&1 | indent || fail "kumactl apply -f $1"
  both() { backends_are backend-1 "$1" "$2" && backends_are web-1 "$1" "$2"; }
  wait_for 30 "both proxies with a certificate from $2 and trusting $3" both "$2" "$3"
  sleep 1 # let traffic run on the new state
  say "  both proxies: certificate from $2, trusting $3"
}
rotation_step ca-rotation/1-add-ca-2.yaml ca-1 ca-1,ca-2
rotation_step ca-rotation/2-switch-to-ca-2.yaml ca-2 ca-2,ca-1
show_cmd "kumactl inspect dataplanes   # CERT BACKEND ca-2, SUPPORTED CERT BACKENDS ca-2,ca-1"
kumactl inspect dataplanes | indent
rotation_step ca-rotation/3-remove-ca-1.yaml ca-2 ca-2

kill -TERM "$PID_rotation_traffic" "$PID_held_rotation" 2>/dev/null || true
wait "$PID_rotation_traffic" 2>/dev/null || true
wait "$PID_held_rotation" 2>/dev/null || true
SENT=$(grep -c . "$TRAFFIC_LOG" || true)
FAILED=$(grep -c '^fail' "$TRAFFIC_LOG" || true)
HELD=$(tail -n 1 "$WORK/logs/held-rotation.log")
say "  new connections: $SENT requests, $FAILED failed; held connection: $HELD"
((SENT > 10)) || fail "too little traffic during the rotation ($SENT requests)"
((FAILED == 0)) || fail "$FAILED of $SENT requests failed during the CA rotation"
[[ $HELD == OPEN* ]] || fail "the held connection did not survive the CA rotation: $HELD"
grep -q 'non-200' "$WORK/logs/held-rotation.log" && fail "the held connection got non-200 answers during the rotation"
backend_answers || fail "web -> backend fails after the rotation: $CURL_OUT"
pass "rotated to ca-2 with no failed request and no dropped connection"

# ---------------------------------------------------------------------------------------------
printf '\n%sAll steps passed.%s\n' "$GREEN$BOLD" "$RESET"

if [[ ${DEMO_PAUSE:-} == 1 ]]; then
  say
  say "Everything still runs (DEMO_PAUSE=1). In another shell, for example:"
  say "  HOME=$WORK node $REPO/bin/kumactl inspect dataplanes"
  say "  curl http://127.0.0.1:$WEB_OUTBOUND_PORT/"
  say "Press Enter (or Ctrl-C) to stop everything."
  read -r _ || true
fi
