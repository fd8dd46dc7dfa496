#!/usr/bin/env bash
# Smoke test of the local control plane: starts it (cluster.sh up, building it
# once if needed), checks that it behaves like a real cluster, and stops it.
#
# Checks, in order:
#   1. the API server reports the expected version; kwok nodes offer nvidia.com/gpu;
#   2. a Deployment with a readinessProbe gets 2 Running pods with loopback IPs
#      that stay NotReady until the pod runner serves them, then Ready and
#      answering HTTP; a killed process makes its pod NotReady until restarted;
#   3. the /scale subresource scales the Deployment to 3;
#   4. an autoscaling/v2 HPA: the real HPA controller scales up to minReplicas,
#      then follows an External metric served through the aggregation layer
#      (an APIService routed to a local HTTPS process with front-proxy auth);
#   5. scaling down stops the removed pods' processes;
#   5b. with SWELL_BIN (the swell binary) and Prometheus installed: "vLLM" pods run as
#      `swell emulate` processes, and a real Prometheus discovers them through the
#      runner's file_sd list and scrapes their vllm: metrics, following a scale-up;
#   6. a ServiceAccount token bound to a narrow Role is allowed what the Role
#      grants and refused everything else;
#   6b. swell's keda.sh CRDs are Established; the examples and a ScaledObject with
#      every KEDA field apply under strict validation, min > max and unknown fields
#      are refused; the examples' least-privilege KServe role manages ScaledObjects
#      and is refused TriggerAuthentications and Secrets;
#   7. teardown leaves no process behind.
# Runs in its own runtime directory, so a developer's cluster is not touched.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export SWELL_CLUSTER_DIR=${SWELL_SMOKE_CLUSTER_DIR:-$HOME/.cache/swell/cluster-smoke}
NS=smoke
WORK=$(mktemp -d /tmp/swell-smoke.XXXXXX)
RUNNER_PID="" STUB_PID="" VLLM_RUNNER_PID="" PROM_PID=""
STARTED=$SECONDS

step() { echo "smoke: [$((SECONDS - STARTED))s] $*"; }
fail() {
  echo "smoke: FAILED: $*" >&2
  exit 1
}

# wait_for WHAT SECONDS CMD...: poll CMD until it succeeds, or fail naming WHAT.
wait_for() {
  local what=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "$what: not within ${timeout}s"
    sleep 0.5
  done
}

# stop_pid PID: SIGTERM, then SIGKILL after 10 seconds.
stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT
  set +e
  if ((rc != 0)); then
    if [[ -n "${KUBECONFIG:-}" ]]; then
      echo "----- state at failure" >&2
      kubectl get deploy,rs,pods,hpa -n "$NS" -o wide >&2 2>&1
      kubectl describe hpa -n "$NS" >&2 2>&1 | tail -n 25
    fi
    for f in "$WORK"/runner.log "$WORK"/stub.log "$WORK"/vllm-runner.log "$WORK"/prometheus.log; do
      [[ -s "$f" ]] && { echo "----- last lines of $f" >&2; tail -n 25 "$f" >&2; }
    done
  fi
  [[ -n "$RUNNER_PID" ]] && stop_pid "$RUNNER_PID"
  [[ -n "$STUB_PID" ]] && stop_pid "$STUB_PID"
  [[ -n "$VLLM_RUNNER_PID" ]] && stop_pid "$VLLM_RUNNER_PID"
  [[ -n "$PROM_PID" ]] && stop_pid "$PROM_PID"
  "$HERE/cluster.sh" down
  rm -rf "$WORK"
  if ((rc == 0)); then
    step "passed"
  else
    echo "smoke: failed (exit $rc) after $((SECONDS - STARTED))s" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT

# ------------------------------------------------------------------ 0. cluster up

step "starting the cluster"
up_started=$SECONDS
"$HERE/cluster.sh" up || fail "cluster.sh up"
step "cluster up in $((SECONDS - up_started))s"
eval "$("$HERE/cluster.sh" env)"
"$HERE/cluster.sh" status || fail "cluster.sh status reports an unhealthy component"

# ------------------------------------------------------------------ 1. version, nodes

want_version=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ { print $2; exit }' "$HERE/k8s/go.mod")
server_version=$(kubectl version -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')
[[ "$server_version" == "$want_version" ]] || fail "API server reports $server_version, want $want_version"
gpus=$(kubectl get nodes -l type=kwok -o jsonpath='{.items[*].status.allocatable.nvidia\.com/gpu}')
[[ -n "$gpus" && "$gpus" != *[!0-9\ ]* ]] || fail "kwok nodes offer no nvidia.com/gpu (got '$gpus')"
step "ok: API server $server_version; nodes offer nvidia.com/gpu: $gpus"

# ------------------------------------------------------------------ 2. pods, runner, readiness

kubectl create namespace "$NS" >/dev/null
wait_for "default ServiceAccount in $NS" 30 kubectl get serviceaccount default -n "$NS"
kubectl apply -n "$NS" -f - >/dev/null <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: server
        image: example.invalid/never-pulled:1
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /, port: http}, periodSeconds: 5}
        resources:
          requests: {cpu: "1", memory: 1Gi, nvidia.com/gpu: "1"}
          limits: {nvidia.com/gpu: "1"}
EOF

pod_field() { kubectl get pods -n "$NS" -l app=web -o jsonpath="{range .items[?(@.status.phase==\"Running\")]}$1{\"\\n\"}{end}"; }
running_count() { [[ $(pod_field '{.status.podIP}' | grep -c .) -eq $1 ]]; }
wait_for "2 Running pods with IPs" 60 running_count 2
ips=$(pod_field '{.status.podIP}')
for ip in $ips; do [[ $ip == 127.* ]] || fail "pod IP $ip is not a loopback address"; done
[[ $(sort -u <<<"$ips" | wc -l) -eq 2 ]] || fail "two pods share an IP: ${ips//$'\n'/ }"
ready=$(pod_field '{.status.conditions[?(@.type=="Ready")].status}' | sort -u)
[[ "$ready" == "False" ]] || fail "pods with a readinessProbe are Ready ($ready) before anything serves them"
step "ok: 2 pods Running at ${ips//$'\n'/ } and NotReady while nothing serves them"

runner_started=$SECONDS
podrunner --namespace "$NS" --selector app=web --log-dir "$WORK/pods" \
  --command 'exec python3 -m http.server --bind {ip} {port}' >"$WORK/runner.log" 2>&1 &
RUNNER_PID=$!

ready_replicas() { [[ $(kubectl get deploy web -n "$NS" -o jsonpath='{.status.readyReplicas}') == "$1" ]]; }
answering() { # N pods are Ready, and every Ready pod answers HTTP at its IP and port
  local ip ready n=0
  while read -r ip ready; do
    [[ $ready == True ]] || continue
    curl -sf --max-time 2 -o /dev/null "http://$ip:8080/" || return 1
    n=$((n + 1))
  done < <(pod_field '{.status.podIP} {.status.conditions[?(@.type=="Ready")].status}')
  [[ $n -eq $1 ]]
}
wait_for "2 Ready replicas served by the pod runner" 60 ready_replicas 2
wait_for "2 Ready pods answering HTTP" 10 answering 2
step "ok: 2 pods Ready $((SECONDS - runner_started))s after the runner started, each answering HTTP at its pod IP"

# Readiness follows the process: kill one pod's server and watch the runner
# mark the pod NotReady, restart the process, and mark it Ready again.
victim_ip=$(echo "$ips" | head -n1)
victim_pid=$(pgrep -f "http.server --bind $victim_ip 8080" | head -n1) || fail "no process serves $victim_ip"
kill -KILL "$victim_pid"
readiness_log() { grep -c "msg=\"Pod readiness changed.\" .*ip=$victim_ip .*ready=$1" "$WORK/runner.log"; }
not_ready_seen() { [[ $(readiness_log false) -ge 1 ]]; }
wait_for "runner marks the pod of a killed process NotReady" 20 not_ready_seen
wait_for "the restarted process makes its pod Ready again" 30 ready_replicas 2
wait_for "2 Ready pods answering HTTP after the restart" 10 answering 2
step "ok: a killed process made its pod NotReady; the restarted one made it Ready again"

# ------------------------------------------------------------------ 3. /scale subresource

kubectl patch deployment web -n "$NS" --subresource=scale --type=merge -p '{"spec":{"replicas":3}}' >/dev/null
scale_replicas=$(kubectl get --raw "/apis/apps/v1/namespaces/$NS/deployments/web/scale" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["spec"]["replicas"])')
[[ "$scale_replicas" == 3 ]] || fail "/scale reads $scale_replicas replicas after writing 3"
wait_for "3 Ready replicas after scaling through /scale" 60 ready_replicas 3
wait_for "3 Ready pods answering HTTP" 10 answering 3
step "ok: /scale set 3 replicas; 3 pods Ready and answering"

# ------------------------------------------------------------------ 4. HPA, external metrics via the aggregation layer

stub_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
openssl req -new -newkey rsa:2048 -nodes -keyout "$WORK/stub.key" -subj /CN=external-metrics-stub \
  -out "$WORK/stub.csr" 2>/dev/null
printf 'subjectAltName=DNS:external-metrics-stub.%s.svc\nextendedKeyUsage=serverAuth\n' "$NS" >"$WORK/stub.ext"
openssl x509 -req -in "$WORK/stub.csr" -CA "$SWELL_CLUSTER_PKI/ca.crt" -CAkey "$SWELL_CLUSTER_PKI/ca.key" \
  -CAcreateserial -CAserial "$WORK/ca.srl" -days 1 -extfile "$WORK/stub.ext" -out "$WORK/stub.crt" 2>/dev/null
echo 20 >"$WORK/metric-value"
python3 "$HERE/external_metrics_stub.py" "$stub_port" "$WORK/stub.crt" "$WORK/stub.key" \
  "$SWELL_CLUSTER_PKI/front-proxy-ca.crt" "$WORK/metric-value" 2>"$WORK/stub.log" &
STUB_PID=$!
kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Service
metadata: {name: external-metrics-stub, namespace: $NS}
spec: {type: ExternalName, externalName: 127.0.0.1}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1beta1.external.metrics.k8s.io}
spec:
  group: external.metrics.k8s.io
  version: v1beta1
  service: {name: external-metrics-stub, namespace: $NS, port: $stub_port}
  caBundle: $(base64 -w0 <"$SWELL_CLUSTER_PKI/ca.crt")
  groupPriorityMinimum: 100
  versionPriority: 100
EOF
wait_for "APIService v1beta1.external.metrics.k8s.io Available" 60 \
  kubectl wait --for=condition=Available apiservice/v1beta1.external.metrics.k8s.io --timeout=2s
value=$(kubectl get --raw "/apis/external.metrics.k8s.io/v1beta1/namespaces/$NS/queue_depth" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["value"])')
[[ "$value" == 20 ]] || fail "external metric through the aggregator reads '$value', want 20"
grep -q 'user=swell-test-admin' "$WORK/stub.log" ||
  fail "the aggregator did not pass the requesting user (X-Remote-User) to the APIService backend"
step "ok: APIService Available; a metric read through the aggregator with front-proxy auth"

hpa_started=$SECONDS
kubectl apply -n "$NS" -f - >/dev/null <<'EOF'
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 4
  maxReplicas: 8
  metrics:
  - type: External
    external:
      metric: {name: queue_depth}
      target: {type: AverageValue, averageValue: "10"}
EOF
deploy_replicas() { [[ $(kubectl get deploy web -n "$NS" -o jsonpath='{.spec.replicas}') == "$1" ]]; }
wait_for "the HPA controller scales 3 -> 4 (minReplicas)" 30 deploy_replicas 4
wait_for "4 Ready replicas" 60 ready_replicas 4
step "ok: HPA raised the Deployment to minReplicas 4 in $((SECONDS - hpa_started))s"

hpa_metric() { [[ $(kubectl get hpa web -n "$NS" -o jsonpath='{.status.currentMetrics[0].external.current.averageValue}') == "$1" ]]; }
wait_for "the HPA reads the external metric (20 over 4 pods = 5 each)" 30 hpa_metric 5
echo 60 >"$WORK/metric-value"
metric_changed=$SECONDS
wait_for "the HPA controller scales 4 -> 6 on an external metric of 60 (target 10 per pod)" 60 deploy_replicas 6
wait_for "6 Ready replicas" 60 ready_replicas 6
wait_for "6 Ready pods answering HTTP" 10 answering 6
step "ok: HPA followed the external metric to 6 replicas, $((SECONDS - metric_changed))s after it changed"

# ------------------------------------------------------------------ 5. scale down stops processes

kubectl delete hpa web -n "$NS" >/dev/null
kubectl patch deployment web -n "$NS" --subresource=scale --type=merge -p '{"spec":{"replicas":1}}' >/dev/null
wait_for "1 Ready replica after scaling down" 60 ready_replicas 1
served_processes() { [[ $(pgrep -fc "http.server --bind 127\.") -eq $1 ]]; }
wait_for "the runner stops the processes of removed pods (1 left)" 30 served_processes 1
step "ok: scaling down to 1 stopped 5 local processes"

# ------------------------------------------------------------------ 5b. vLLM pods scraped by Prometheus

# Debian's Prometheus is built without kubernetes_sd_configs, so the runner publishes the
# pods it serves as a file_sd list (labels namespace, pod, node, ready).
if [[ -n "${SWELL_BIN:-}" ]] && command -v prometheus >/dev/null; then
  kubectl apply -n "$NS" -f - >/dev/null <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: vllm}
spec:
  replicas: 2
  selector: {matchLabels: {app: vllm}}
  template:
    metadata: {labels: {app: vllm}}
    spec:
      containers:
      - name: vllm
        image: vllm/vllm-openai:never-pulled
        ports: [{name: http, containerPort: 8000}]
        readinessProbe: {httpGet: {path: /health, port: http}, periodSeconds: 5}
        resources: {limits: {nvidia.com/gpu: "1"}}
EOF
  podrunner --namespace "$NS" --selector app=vllm --log-dir "$WORK/vllm-pods" \
    --targets-file "$WORK/vllm-targets.json" \
    --command "exec $SWELL_BIN emulate --host {ip} --port {port} --profile test-tiny --startup-delay 1s" \
    >"$WORK/vllm-runner.log" 2>&1 &
  VLLM_RUNNER_PID=$!
  vllm_ready() { [[ $(kubectl get deploy vllm -n "$NS" -o jsonpath='{.status.readyReplicas}') == "$1" ]]; }
  wait_for "2 Ready vLLM pods served by swell emulate" 60 vllm_ready 2

  prom_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat >"$WORK/prometheus.yml" <<EOF
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
- job_name: vllm
  file_sd_configs: [{files: ["$WORK/vllm-targets.json"], refresh_interval: 1s}]
EOF
  prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/prometheus-data" \
    --web.listen-address="127.0.0.1:$prom_port" >"$WORK/prometheus.log" 2>&1 &
  PROM_PID=$!
  promql() { # the single value of an instant query; empty when there is none
    curl -sf --max-time 2 "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" |
      python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
  }
  prom_says() { [[ "$(promql "$1")" == "$2" ]]; }
  scraped='count(up{job="vllm",namespace="smoke"} == 1)'
  wait_for "Prometheus scrapes both vLLM pods" 60 prom_says "$scraped" 2
  wait_for "vllm:num_requests_running from both pods in Prometheus" 20 \
    prom_says 'count(vllm:num_requests_running{namespace="smoke"})' 2
  kubectl scale deployment vllm -n "$NS" --replicas=3 >/dev/null
  wait_for "Prometheus discovers and scrapes the third vLLM pod" 90 prom_says "$scraped" 3
  kubectl delete deployment vllm -n "$NS" >/dev/null
  emulators() { [[ $(pgrep -fc -- "emulate --host 127\.") -eq $1 ]]; }
  wait_for "the runner stops the swell emulate processes of deleted pods" 30 emulators 0
  stop_pid "$PROM_PID"; PROM_PID=""
  stop_pid "$VLLM_RUNNER_PID"; VLLM_RUNNER_PID=""
  step "ok: swell emulate pods discovered (runner's file_sd) and scraped by Prometheus, 2 then 3"
else
  step "note: vLLM-pod scrape check skipped (needs SWELL_BIN=<swell binary> and prometheus on PATH)"
fi

# ------------------------------------------------------------------ 6. RBAC

kubectl create serviceaccount reader -n "$NS" >/dev/null
kubectl create role pod-reader -n "$NS" --verb=get,list,watch --resource=pods >/dev/null
kubectl create rolebinding reader-pods -n "$NS" --role=pod-reader --serviceaccount="$NS:reader" >/dev/null
token=$(kubectl create token reader -n "$NS" --duration=10m)
as_reader() {
  kubectl --kubeconfig=/dev/null --server="$SWELL_CLUSTER_APISERVER" \
    --certificate-authority="$SWELL_CLUSTER_PKI/ca.crt" --token="$token" "$@"
}
allowed() { as_reader "$@" >/dev/null 2>"$WORK/rbac.err" || fail "reader was refused '$*': $(cat "$WORK/rbac.err")"; }
refused() {
  if as_reader "$@" >/dev/null 2>"$WORK/rbac.err"; then fail "reader was allowed '$*' though its Role does not grant it"; fi
  grep -q Forbidden "$WORK/rbac.err" || fail "reader's '$*' failed for another reason than RBAC: $(cat "$WORK/rbac.err")"
}
wait_for "the reader's RoleBinding takes effect" 10 as_reader get pods -n "$NS"
allowed get pods -n "$NS"
allowed get pod "$(kubectl get pods -n "$NS" -l app=web -o jsonpath='{.items[0].metadata.name}')" -n "$NS"
refused get deployments -n "$NS"
refused delete pod --all -n "$NS"
refused get pods -n default
refused patch deployment web -n "$NS" --subresource=scale --type=merge -p '{"spec":{"replicas":2}}'
refused get secrets -n "$NS"
step "ok: ServiceAccount with a pod-reader Role: pods readable, deployments/scale/secrets/other namespaces refused"

# ------------------------------------------------------------------ 6b. swell's keda.sh CRDs

# The CRDs `swell crd` generates must be accepted by the real API server (structural schema,
# CEL rules compile), and the manifests users already have must apply unchanged under strict
# field validation, while what KEDA's CRDs refuse is refused here too.
ROOT=$(cd "$HERE/../.." && pwd)
kubectl apply --server-side -f "$ROOT/deploy/crds/" >/dev/null
for crd in scaledobjects triggerauthentications clustertriggerauthentications; do
  kubectl wait --for=condition=Established "crd/$crd.keda.sh" --timeout=30s >/dev/null ||
    fail "CRD $crd.keda.sh was not Established"
done
kubectl create namespace llm >/dev/null
kubectl create namespace kserve >/dev/null
kubectl apply --validate=strict -f "$ROOT/examples/deployment-scaledobject/scaledobject.yaml" \
  -f "$ROOT/examples/kserve-keda-vllm/prometheus-auth.yaml" -f "$ROOT/examples/kserve-keda-vllm/rbac.yaml" \
  >/dev/null 2>"$WORK/crd.err" || fail "the examples do not apply: $(cat "$WORK/crd.err")"
# Every spec field a KEDA user may write, as KEDA's documentation spells them.
cat >"$WORK/full-scaledobject.yaml" <<'YAML'
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: full
  namespace: llm
  annotations:
    autoscaling.keda.sh/paused-scale-in: "false"
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: vllm, envSourceContainerName: vllm}
  pollingInterval: 15
  cooldownPeriod: 600
  initialCooldownPeriod: 120
  idleReplicaCount: 0
  minReplicaCount: 1
  maxReplicaCount: 8
  fallback: {failureThreshold: 3, replicas: 2, behavior: currentReplicasIfHigher}
  advanced:
    restoreToOriginalReplicaCount: true
    horizontalPodAutoscalerConfig:
      name: vllm-hpa
      behavior:
        scaleUp:
          stabilizationWindowSeconds: 0
          selectPolicy: Max
          policies: [{type: Pods, value: 2, periodSeconds: 30}, {type: Percent, value: 100, periodSeconds: 30}]
        scaleDown:
          stabilizationWindowSeconds: 600
          policies: [{type: Pods, value: 1, periodSeconds: 120}]
    scalingModifiers:
      formula: "waiting + running / 2"
      target: "4"
      activationTarget: "1"
      metricType: AverageValue
  triggers:
  - type: prometheus
    name: waiting
    metricType: AverageValue
    useCachedMetrics: false
    authenticationRef: {name: prom-basic-auth, kind: TriggerAuthentication}
    metadata:
      serverAddress: http://prometheus.monitoring.svc:9090
      query: sum(vllm:num_requests_waiting{namespace="llm"})
      threshold: "8"
      authModes: basic
  - type: prometheus
    name: running
    metadata:
      serverAddress: http://prometheus.monitoring.svc:9090
      query: sum(vllm:num_requests_running{namespace="llm"})
      threshold: "16"
YAML
kubectl apply --validate=strict -f "$WORK/full-scaledobject.yaml" >/dev/null 2>"$WORK/crd.err" ||
  fail "a ScaledObject with every KEDA field does not apply: $(cat "$WORK/crd.err")"
[[ $(kubectl get scaledobject full -n llm -o jsonpath='{.spec.advanced.scalingModifiers.formula}') == "waiting + running / 2" ]] ||
  fail "the scalingModifiers formula did not round-trip"
sed 's/minReplicaCount: 1/minReplicaCount: 9/' "$WORK/full-scaledobject.yaml" >"$WORK/bounds.yaml"
if kubectl apply -f "$WORK/bounds.yaml" >/dev/null 2>"$WORK/crd.err"; then fail "minReplicaCount 9 > maxReplicaCount 8 was accepted"; fi
grep -q "minReplicaCount must be less than or equal to maxReplicaCount" "$WORK/crd.err" ||
  fail "min > max refused for another reason: $(cat "$WORK/crd.err")"
sed 's/  pollingInterval: 15/  pollingIntervall: 15/' "$WORK/full-scaledobject.yaml" >"$WORK/typo.yaml"
if kubectl apply --validate=strict -f "$WORK/typo.yaml" >/dev/null 2>"$WORK/crd.err"; then fail "an unknown field was accepted under strict validation"; fi
grep -q 'unknown field "spec.pollingIntervall"' "$WORK/crd.err" ||
  fail "the unknown field was refused for another reason: $(cat "$WORK/crd.err")"
step "ok: swell's keda.sh CRDs Established; the examples and a ScaledObject with every KEDA field apply strictly; min > max and unknown fields refused"

# The least-privilege role the examples ship for KServe's controller: enough to manage
# ScaledObjects, nothing on TriggerAuthentications or Secrets.
kubectl create serviceaccount kserve-controller-manager -n kserve >/dev/null
kserve_token=$(kubectl create token kserve-controller-manager -n kserve --duration=10m)
as_kserve() {
  kubectl --kubeconfig=/dev/null --server="$SWELL_CLUSTER_APISERVER" \
    --certificate-authority="$SWELL_CLUSTER_PKI/ca.crt" --token="$kserve_token" "$@"
}
wait_for "the KServe role binding takes effect" 10 as_kserve get scaledobjects -n llm
sed -e 's/name: full/name: by-kserve/' -e 's/name: vllm-hpa/name: by-kserve-hpa/' "$WORK/full-scaledobject.yaml" >"$WORK/by-kserve.yaml"
as_kserve apply -f "$WORK/by-kserve.yaml" >/dev/null 2>"$WORK/rbac.err" ||
  fail "the KServe role cannot create a ScaledObject: $(cat "$WORK/rbac.err")"
as_kserve patch scaledobject by-kserve -n llm --type=merge -p '{"spec":{"maxReplicaCount":6}}' >/dev/null 2>"$WORK/rbac.err" ||
  fail "the KServe role cannot patch a ScaledObject: $(cat "$WORK/rbac.err")"
for denied in "get triggerauthentications -n llm" "get secrets -n llm" "get clustertriggerauthentications"; do
  # shellcheck disable=SC2086 # the words are the command
  if as_kserve $denied >/dev/null 2>"$WORK/rbac.err"; then fail "the KServe role was allowed '$denied'"; fi
  grep -q Forbidden "$WORK/rbac.err" || fail "'$denied' failed for another reason than RBAC: $(cat "$WORK/rbac.err")"
done
as_kserve delete scaledobject by-kserve -n llm >/dev/null 2>"$WORK/rbac.err" ||
  fail "the KServe role cannot delete its ScaledObject: $(cat "$WORK/rbac.err")"
kubectl delete namespace llm kserve --wait=false >/dev/null
step "ok: the examples' least-privilege KServe role manages ScaledObjects and is refused TriggerAuthentications and Secrets"

# ------------------------------------------------------------------ 7. teardown

kubectl delete apiservice v1beta1.external.metrics.k8s.io >/dev/null
kubectl delete namespace "$NS" --timeout=60s >/dev/null || fail "namespace $NS was not deleted within 60s"
wait_for "the runner stops the last process after its namespace is deleted" 30 served_processes 0
stop_pid "$RUNNER_PID"; RUNNER_PID=""
stop_pid "$STUB_PID"; STUB_PID=""
bin=${SWELL_CLUSTER_BIN:?set by cluster.sh env}
"$HERE/cluster.sh" down
leftover=$(pgrep -af "^$bin/" || true)
[[ -z "$leftover" ]] || fail "processes left after cluster.sh down: $leftover"
step "ok: torn down; no process left from $bin"
