#!/usr/bin/env bash
# A real Kubernetes control plane on loopback for swell's end-to-end tests.
#
#   tests/cluster/cluster.sh up       build once (cached), start, wait until healthy
#   tests/cluster/cluster.sh env      print exports: KUBECONFIG, PATH (kubectl, pod runner), ...
#   tests/cluster/cluster.sh status   each component's pid and health; exit 0 healthy, 1 not, 3 down
#   tests/cluster/cluster.sh down     stop what `up` started (SIGTERM, then SIGKILL) and delete its data
#   tests/cluster/cluster.sh build    only build (or find) the cached binaries; print their directory
#
# Components: etcd, kube-apiserver (RBAC + Node authorization, aggregation layer
# with a front-proxy CA), kube-controller-manager (HPA sync period 2s),
# kube-scheduler and kwok (fake GPU nodes; pod IPs in 127.0.0.0/8). All are
# built from the Go modules in this directory; see docs/testbed.md.
#
# Settings (environment):
#   SWELL_CLUSTER_DIR            runtime state (default ~/.cache/swell/cluster-run)
#   SWELL_CLUSTER_CACHE          binary cache root (default ~/.cache/swell/cluster)
#   SWELL_CLUSTER_NODES          fake nodes (default 3)
#   SWELL_CLUSTER_GPUS           nvidia.com/gpu per node (default 8)
#   SWELL_CLUSTER_POD_CIDR       kwok's pod IP pool (default 127.1.0.0/16)
#   SWELL_CLUSTER_SERVICE_CIDR   ClusterIP range (default 127.96.0.0/16)
#   SWELL_CLUSTER_APISERVER_PORT fixed API server port (default: a free one)
#   SWELL_CLUSTER_APISERVER_ARGS, SWELL_CLUSTER_KCM_ARGS  extra flags, word-split
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RUN_DIR=${SWELL_CLUSTER_DIR:-$HOME/.cache/swell/cluster-run}
CACHE_ROOT=${SWELL_CLUSTER_CACHE:-$HOME/.cache/swell/cluster}
NODES=${SWELL_CLUSTER_NODES:-3}
GPUS=${SWELL_CLUSTER_GPUS:-8}
POD_CIDR=${SWELL_CLUSTER_POD_CIDR:-127.1.0.0/16}
SERVICE_CIDR=${SWELL_CLUSTER_SERVICE_CIDR:-127.96.0.0/16}
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
GRACE_SECONDS=10
MARKER=.swell-cluster

log() { echo "cluster.sh: $*" >&2; }
die() { echo "cluster.sh: error: $*" >&2; exit 1; }

# ---------------------------------------------------------------- versions and cache key

module_version() { # module go.mod-dir -> the version it requires
  awk -v m="$1" '$1 == "require" && $2 == m { print $3; exit } $1 == m && $2 ~ /^v/ { print $2; exit }' \
    "$HERE/$2/go.mod"
}

K8S_VERSION=$(module_version k8s.io/kubernetes k8s)
ETCD_VERSION=$(module_version go.etcd.io/etcd/server/v3 etcd)
KWOK_VERSION=$(module_version sigs.k8s.io/kwok kwok)

# The cache key covers the lock files, the versions they name, the pod runner's
# sources, this build recipe's revision and the Go toolchain's version.
BUILD_RECIPE=2
cache_key() {
  {
    echo "recipe $BUILD_RECIPE k8s $K8S_VERSION etcd $ETCD_VERSION kwok $KWOK_VERSION"
    go_version_line
    cat "$HERE"/k8s/go.mod "$HERE"/k8s/go.sum "$HERE"/etcd/go.mod "$HERE"/etcd/go.sum \
      "$HERE"/kwok/go.mod "$HERE"/kwok/go.sum
    find "$HERE/k8s/podrunner" -name '*.go' ! -name '*_test.go' | LC_ALL=C sort | xargs cat
  } | sha256sum | cut -c1-16
}

go_version_line() {
  if command -v go >/dev/null; then GOTOOLCHAIN=local go env GOVERSION; else echo "no go"; fi
}

BIN=""
set_bin_dir() { BIN="$CACHE_ROOT/$(cache_key)/bin"; }

# ---------------------------------------------------------------- build

build() {
  set_bin_dir
  [[ -f "$BIN/.complete" ]] && return 0
  command -v go >/dev/null || die "Go is needed to build the control plane once (Go 1.26 with the module proxy); none on PATH"

  local key_dir; key_dir=$(dirname "$BIN")
  mkdir -p "$key_dir"
  exec 8>"$key_dir/build.lock"
  flock 8 # another cluster.sh may be building the same key
  if [[ -f "$BIN/.complete" ]]; then exec 8>&-; return 0; fi

  local out="$key_dir/bin.partial" build_log="$key_dir/build.log" started=$SECONDS
  rm -rf "$out"; mkdir -p "$out/kwok-stages"
  log "building k8s $K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION into $BIN (cold: tens of minutes; log: $build_log)"

  local major=${K8S_VERSION#v}; major=${major%%.*}
  local minor=${K8S_VERSION#v*.}; minor=${minor%%.*}
  local ld="-s -w" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor"
    ld+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done

  if ! (
    export GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0
    set -x
    cd "$HERE/k8s"
    go build -trimpath -pgo=off -ldflags "$ld" -o "$out/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl ./podrunner
    cd "$HERE/etcd"
    go build -trimpath -pgo=off -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3
    cd "$HERE/kwok"
    go build -trimpath -pgo=off -ldflags "-s -w" -o "$out/kwok" sigs.k8s.io/kwok/cmd/kwok
    # kwok's stock node and pod-end stages ship in its module; keep a copy so a
    # warm start needs neither Go nor the module cache.
    kw=$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
    cp "$kw/kustomize/stage/node/fast/node-initialize.yaml" \
      "$kw/kustomize/stage/node/heartbeat/node-heartbeat.yaml" \
      "$kw/kustomize/stage/pod/fast/pod-complete.yaml" \
      "$kw/kustomize/stage/pod/fast/pod-delete.yaml" "$out/kwok-stages/"
  ) >"$build_log" 2>&1; then
    tail -n 40 "$build_log" >&2
    die "build failed after $((SECONDS - started))s; full log: $build_log"
  fi

  echo "$((SECONDS - started))" >"$out/.build-seconds"
  touch "$out/.complete"
  rm -rf "$BIN"; mv "$out" "$BIN"
  exec 8>&-
  log "built in $((SECONDS - started))s"
}

# ---------------------------------------------------------------- state

STATE="$RUN_DIR/state.env"
PKI="$RUN_DIR/pki"
KUBECONFIG_FILE="$RUN_DIR/admin.kubeconfig"

# shellcheck source=/dev/null # written by up
load_state() { [[ -f "$STATE" ]] && source "$STATE"; }

pid_of() { [[ -f "$RUN_DIR/pids/$1" ]] && cut -d' ' -f1 "$RUN_DIR/pids/$1"; }

# alive NAME: the recorded process still runs and is the one we started
# (same pid and start time, so a recycled pid is never signalled).
alive() {
  local rec pid start
  rec=$(cat "$RUN_DIR/pids/$1" 2>/dev/null) || return 1
  pid=${rec%% *}; start=${rec#* }
  [[ -r /proc/$pid/stat ]] || return 1
  [[ "$(awk '{print $22}' "/proc/$pid/stat" 2>/dev/null)" == "$start" ]]
}

# ---------------------------------------------------------------- ports

# free_ports N: N distinct ports that are free on 127.0.0.1, chosen below the
# kernel's ephemeral range so outgoing connections cannot race for them.
free_ports() {
  python3 - "$1" <<'EOF'
import random, socket, sys
want, held = int(sys.argv[1]), []
for port in random.sample(range(20000, 30000), 400):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        continue
    held.append(s)
    if len(held) == want:
        break
print(" ".join(str(s.getsockname()[1]) for s in held))
EOF
}

port_is_free() {
  python3 -c 'import socket,sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}

# ---------------------------------------------------------------- PKI

# sign NAME CA SUBJECT EXTENSIONS: a key and a certificate signed by CA.
sign() {
  local name=$1 ca=$2 subject=$3 ext=$4
  openssl req -new -newkey rsa:2048 -nodes -keyout "$PKI/$name.key" -subj "$subject" \
    -out "$PKI/$name.csr" 2>/dev/null
  printf '%s\n' "$ext" >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.crt" -CAkey "$PKI/$ca.key" \
    -CAcreateserial -days 3650 -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

make_ca() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 -subj "/CN=$2" \
    -keyout "$PKI/$1.key" -out "$PKI/$1.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

make_pki() {
  mkdir -p "$PKI"; chmod 700 "$PKI"
  make_ca ca swell-test-ca
  make_ca front-proxy-ca swell-test-front-proxy-ca
  local client="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  sign apiserver ca /CN=kube-apiserver "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  sign admin ca "/O=system:masters/CN=swell-test-admin" "$client"
  sign front-proxy-client front-proxy-ca /CN=front-proxy-client "$client"
  openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
  openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
}

write_kubeconfig() {
  local b64='base64 -w0'
  cat >"$KUBECONFIG_FILE" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: swell-test
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $($b64 <"$PKI/ca.crt")
users:
- name: swell-test-admin
  user:
    client-certificate-data: $($b64 <"$PKI/admin.crt")
    client-key-data: $($b64 <"$PKI/admin.key")
contexts:
- name: swell-test
  context: {cluster: swell-test, user: swell-test-admin, namespace: default}
current-context: swell-test
EOF
  chmod 600 "$KUBECONFIG_FILE"
}

# ---------------------------------------------------------------- processes

# start NAME ARGS...: run $BIN/NAME in its own session, log to logs/NAME.log.
start() {
  local name=$1; shift
  setsid "$BIN/$name" "$@" >"$RUN_DIR/logs/$name.log" 2>&1 </dev/null 8>&- 9>&- &
  local pid=$!
  echo "$pid $(awk '{print $22}' "/proc/$pid/stat")" >"$RUN_DIR/pids/$name"
}

# fail NAME WHY: report a component that did not come up, stop everything, exit 1.
fail() {
  local name=$1 why=$2 logf="$RUN_DIR/logs/$1.log"
  echo "cluster.sh: error: $name $why" >&2
  if [[ -f "$logf" ]]; then
    rm -rf "$RUN_DIR.failed-logs"; cp -r "$RUN_DIR/logs" "$RUN_DIR.failed-logs"
    if grep -q 'address already in use' "$logf"; then
      echo "cluster.sh: error: a port of $name is taken by another process (see below); retry or set SWELL_CLUSTER_APISERVER_PORT" >&2
    fi
    echo "----- last 30 lines of $logf -----" >&2
    tail -n 30 "$logf" >&2
    echo "----- (all logs kept in $RUN_DIR.failed-logs)" >&2
  fi
  stop_all >&2
  exit 1
}

# wait_healthy NAME SECONDS CHECK...: poll CHECK until it succeeds; fail if the
# process exits or time runs out.
wait_healthy() {
  local name=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    alive "$name" || fail "$name" "exited during startup"
    ((SECONDS < deadline)) || fail "$name" "did not become healthy within ${timeout}s"
    sleep 0.3
  done
}

curl_ok() { curl -sf --max-time 2 "$@" | grep -Eq '^ok$|"health": *"true"'; }
check_etcd() { curl_ok "http://127.0.0.1:$ETCD_PORT/health"; }
check_kube-apiserver() { curl_ok --cacert "$PKI/ca.crt" "https://127.0.0.1:$APISERVER_PORT/readyz"; }
check_kube-controller-manager() { curl_ok -k "https://127.0.0.1:$KCM_PORT/healthz"; }
check_kube-scheduler() { curl_ok -k "https://127.0.0.1:$SCHEDULER_PORT/healthz"; }
check_kwok() { curl_ok "http://127.0.0.1:$KWOK_PORT/healthz"; }

kubectl_() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

# Nodes are Ready (kwok heartbeats) and the node-lifecycle controller has lifted
# the not-ready taint that admission puts on new nodes.
check_nodes() {
  local ready taints
  ready=$(kubectl_ get nodes -l type=kwok \
    -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True)
  taints=$(kubectl_ get nodes -l type=kwok -o jsonpath='{.items[*].spec.taints}')
  [[ "$ready" -eq "$NODES" && -z "$taints" ]]
}

nodes_yaml() {
  local i
  for ((i = 0; i < NODES; i++)); do cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels:
    type: kwok
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    node.kubernetes.io/instance-type: gpu-${GPUS}x
    nvidia.com/gpu.present: "true"
    nvidia.com/gpu.product: NVIDIA-H100-80GB-HBM3
    nvidia.com/gpu.count: "$GPUS"
status:
  capacity: &resources {cpu: "96", memory: 1024Gi, ephemeral-storage: 2Ti, pods: "110", nvidia.com/gpu: "$GPUS"}
  allocatable: *resources
EOF
  done
}

# kwok v0.8.0 creates a CIDR's IP pool lazily, with a load-then-store race: two
# pods started together on a fresh pool can both get the pool's first IP. One
# pod started and deleted alone creates the pool before tests run.
warm_up_ip_pool() {
  kubectl_ apply -f - >"$RUN_DIR/logs/warm-up.log" 2>&1 <<EOF || fail kwok "warm-up pod refused: $(cat "$RUN_DIR/logs/warm-up.log")"
apiVersion: v1
kind: Pod
metadata: {name: kwok-ip-pool-warm-up, namespace: default}
spec:
  nodeName: kwok-node-0
  containers: [{name: pause, image: example.invalid/pause:1}]
EOF
  wait_healthy kwok 30 pod_has_ip kwok-ip-pool-warm-up
  kubectl_ delete pod kwok-ip-pool-warm-up -n default --wait=true --timeout=30s >/dev/null ||
    fail kwok "did not delete the warm-up pod"
}

pod_has_ip() { [[ -n "$(kubectl_ get pod "$1" -n default -o jsonpath='{.status.podIP}')" ]]; }

# ---------------------------------------------------------------- up

up() {
  local started=$SECONDS
  for tool in openssl curl python3 setsid flock; do
    command -v "$tool" >/dev/null || die "$tool is needed (Debian: apt-get install ${tool/setsid/util-linux})"
  done
  take_lock

  if load_state; then
    if alive kube-apiserver && check_kube-apiserver; then
      log "already up (API server https://127.0.0.1:$APISERVER_PORT); 'down' first to restart"
      usage_hint
      return 0
    fi
    log "found stale state in $RUN_DIR (not running); cleaning it up"
    stop_all
  fi
  if [[ -d "$RUN_DIR" && -n "$(ls -A "$RUN_DIR")" && ! -f "$RUN_DIR/$MARKER" ]]; then
    die "$RUN_DIR is not empty and was not made by cluster.sh; choose another SWELL_CLUSTER_DIR"
  fi

  build
  # Ports: chosen free now, and checked again by the components themselves.
  local ports; read -r -a ports <<<"$(free_ports 6)"
  [[ ${#ports[@]} -eq 6 ]] || die "could not find 6 free ports on 127.0.0.1 in 20000-29999"
  APISERVER_PORT=${SWELL_CLUSTER_APISERVER_PORT:-${ports[0]}}
  if [[ -n "${SWELL_CLUSTER_APISERVER_PORT:-}" ]] && ! port_is_free "$APISERVER_PORT"; then
    ss -ltnp "sport = :$APISERVER_PORT" >&2 || true
    die "port $APISERVER_PORT (SWELL_CLUSTER_APISERVER_PORT) is taken on 127.0.0.1"
  fi
  ETCD_PORT=${ports[1]} ETCD_PEER_PORT=${ports[2]} KCM_PORT=${ports[3]}
  SCHEDULER_PORT=${ports[4]} KWOK_PORT=${ports[5]}
  mkdir -p "$RUN_DIR/logs" "$RUN_DIR/pids" "$RUN_DIR/kwok-home" "$RUN_DIR/flexvolume"
  mkdir -p "$RUN_DIR/etcd"; chmod 700 "$RUN_DIR/etcd"
  touch "$RUN_DIR/$MARKER"

  cat >"$STATE" <<EOF
BIN=$BIN
APISERVER_PORT=$APISERVER_PORT
ETCD_PORT=$ETCD_PORT
ETCD_PEER_PORT=$ETCD_PEER_PORT
KCM_PORT=$KCM_PORT
SCHEDULER_PORT=$SCHEDULER_PORT
KWOK_PORT=$KWOK_PORT
EOF

  make_pki
  write_kubeconfig

  local peer=http://127.0.0.1:$ETCD_PEER_PORT client=http://127.0.0.1:$ETCD_PORT
  start etcd --name=node0 --data-dir="$RUN_DIR/etcd" \
    --listen-client-urls="$client" --advertise-client-urls="$client" \
    --listen-peer-urls="$peer" --initial-advertise-peer-urls="$peer" \
    --initial-cluster="node0=$peer" --initial-cluster-state=new \
    --unsafe-no-fsync=true --quota-backend-bytes=2147483648 \
    --auto-compaction-mode=periodic --auto-compaction-retention=5m --log-level=warn
  wait_healthy etcd 30 check_etcd

  # shellcheck disable=SC2086 # extra args are word-split on purpose
  start kube-apiserver --etcd-servers="$client" \
    --bind-address=127.0.0.1 --secure-port="$APISERVER_PORT" --advertise-address=127.0.0.1 \
    --endpoint-reconciler-type=none --service-cluster-ip-range="$SERVICE_CIDR" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --cert-dir="$RUN_DIR/apiserver-certs" --client-ca-file="$PKI/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-signing-key-file="$PKI/sa.key" --service-account-key-file="$PKI/sa.pub" \
    --authorization-mode=Node,RBAC --allow-privileged=true \
    --requestheader-client-ca-file="$PKI/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User \
    --requestheader-uid-headers=X-Remote-Uid \
    --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" \
    --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --profiling=false --v=1 ${SWELL_CLUSTER_APISERVER_ARGS:-}
  wait_healthy kube-apiserver 120 check_kube-apiserver

  # shellcheck disable=SC2086
  start kube-controller-manager --kubeconfig="$KUBECONFIG_FILE" \
    --authentication-kubeconfig="$KUBECONFIG_FILE" --authorization-kubeconfig="$KUBECONFIG_FILE" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$RUN_DIR/kcm-certs" \
    --leader-elect=false --controllers='*' \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --horizontal-pod-autoscaler-sync-period=2s --node-monitor-period=5s \
    --flex-volume-plugin-dir="$RUN_DIR/flexvolume" \
    --kube-api-qps=200 --kube-api-burst=400 --profiling=false --v=1 ${SWELL_CLUSTER_KCM_ARGS:-}
  cat >"$RUN_DIR/scheduler.yaml" <<EOF
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection: {kubeconfig: "$KUBECONFIG_FILE", qps: 200, burst: 400}
leaderElection: {leaderElect: false}
EOF
  start kube-scheduler --config="$RUN_DIR/scheduler.yaml" \
    --authentication-kubeconfig="$KUBECONFIG_FILE" --authorization-kubeconfig="$KUBECONFIG_FILE" \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT" --cert-dir="$RUN_DIR/scheduler-certs" \
    --v=1
  # HOME points at an empty directory so a stray ~/.kwok/kwok.yaml is never loaded.
  local stage stages=()
  for stage in "$BIN"/kwok-stages/*.yaml "$HERE"/kwok/stages/*.yaml; do stages+=("--config=$stage"); done
  HOME="$RUN_DIR/kwok-home" start kwok --kubeconfig="$KUBECONFIG_FILE" "${stages[@]}" \
    --manage-all-nodes=true --cidr="$POD_CIDR" --server-address="127.0.0.1:$KWOK_PORT"
  wait_healthy kube-controller-manager 60 check_kube-controller-manager
  wait_healthy kube-scheduler 60 check_kube-scheduler
  wait_healthy kwok 60 check_kwok

  nodes_yaml | kubectl_ apply -f - >"$RUN_DIR/logs/nodes.log" 2>&1 ||
    fail kwok "nodes could not be created: $(cat "$RUN_DIR/logs/nodes.log")"
  wait_healthy kwok 90 check_nodes
  # Pods need their namespace's default ServiceAccount (ServiceAccount admission).
  wait_healthy kube-controller-manager 30 kubectl_ get serviceaccount default -n default
  warm_up_ip_pool

  log "up in $((SECONDS - started))s: API server https://127.0.0.1:$APISERVER_PORT, $NODES kwok nodes with $GPUS nvidia.com/gpu each, pod IPs from $POD_CIDR"
  usage_hint
}

usage_hint() {
  cat >&2 <<EOF
  admin kubeconfig: $KUBECONFIG_FILE
  use it:   eval "\$($HERE/cluster.sh env)"; kubectl get nodes
  pods run: podrunner --selector app=NAME --command 'CMD --host {ip} --port {port}'
  stop it:  $HERE/cluster.sh down
EOF
}

# take_lock: one up/down at a time per runtime directory (components never inherit fd 9).
take_lock() {
  mkdir -p "$(dirname "$RUN_DIR")"
  exec 9>"$RUN_DIR.lock"
  flock -w 600 9 || die "another cluster.sh up/down holds $RUN_DIR.lock"
}

# ---------------------------------------------------------------- down

# stop NAME...: SIGTERM to each live component, then SIGKILL whatever outlives the grace period.
stop() {
  local name pid pids=() names=()
  for name in "$@"; do
    if alive "$name"; then
      pid=$(pid_of "$name"); kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid"); names+=("$name")
    fi
  done
  local deadline=$((SECONDS + GRACE_SECONDS)) i
  for i in "${!names[@]}"; do
    while alive "${names[$i]}" && ((SECONDS < deadline)); do sleep 0.2; done
    if alive "${names[$i]}"; then
      log "${names[$i]} (pid ${pids[$i]}) ignored SIGTERM for ${GRACE_SECONDS}s; sending SIGKILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
  done
}

stop_all() {
  # Clients first, then the API server, then its storage.
  stop kwok kube-scheduler kube-controller-manager
  stop kube-apiserver
  stop etcd
  if [[ -f "$RUN_DIR/$MARKER" ]]; then rm -rf "$RUN_DIR"; fi
}

down() {
  take_lock
  if [[ ! -f "$RUN_DIR/$MARKER" ]]; then
    log "not running (no state in $RUN_DIR)"
    return 0
  fi
  load_state || true
  stop_all
  log "stopped; removed $RUN_DIR"
}

# ---------------------------------------------------------------- env, status

env_() {
  if load_state; then
    alive kube-apiserver || log "warning: the cluster is not running; 'up' first"
  else
    set_bin_dir
    log "warning: the cluster is not up; run: $HERE/cluster.sh up"
  fi
  cat <<EOF
export KUBECONFIG=$KUBECONFIG_FILE
export PATH=$BIN:\$PATH
export SWELL_CLUSTER_DIR=$RUN_DIR
export SWELL_CLUSTER_BIN=$BIN
export SWELL_CLUSTER_PKI=$PKI
EOF
  [[ -n "${APISERVER_PORT:-}" ]] && echo "export SWELL_CLUSTER_APISERVER=https://127.0.0.1:$APISERVER_PORT"
  return 0
}

status() {
  if ! load_state; then
    echo "not running (no state in $RUN_DIR)"
    return 3
  fi
  local name healthy=0 state health
  for name in "${COMPONENTS[@]}"; do
    if alive "$name"; then state="pid $(pid_of "$name")"; else state="not running"; fi
    if "check_$name" 2>/dev/null; then health=healthy; else health=UNHEALTHY; healthy=1; fi
    printf '%-24s %-16s %s\n' "$name" "$state" "$health"
  done
  if check_kube-apiserver; then
    local nodes; nodes=$(kubectl_ get nodes -l type=kwok --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l)
    printf '%-24s %-16s %s\n' "kwok nodes" "$nodes Ready" "$([[ $nodes -eq $NODES ]] && echo healthy || echo UNHEALTHY)"
    [[ $nodes -eq $NODES ]] || healthy=1
  fi
  echo "API server https://127.0.0.1:$APISERVER_PORT; KUBECONFIG=$KUBECONFIG_FILE"
  return $healthy
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) env_ ;;
  status) status ;;
  build) build; echo "$BIN" ;;
  *) echo "usage: $0 up|down|env|status|build" >&2; exit 2 ;;
esac
