#!/usr/bin/env bash
# The full test suite: what CI (.ci/run) runs and what a developer runs before pushing.
#
#   1. installs what the tests need when missing: Prometheus (Debian package),
#      and checks Go (needed once, to build the Kubernetes control plane);
#   2. starts the control-plane build in the background (cached per lock-file hash
#      under ~/.cache/swell/cluster, so it is skipped on a warm machine);
#   3. formatting, clippy with -D warnings, and every cargo test in the workspace
#      (unit, property, snapshot, and integration tests that start real Prometheus
#      and `swell emulate` processes);
#   4. the Kubernetes smoke test: a real kube-apiserver, controllers, scheduler and
#      kwok on loopback (tests/cluster/smoke.sh), torn down at the end.
#
# Settings (environment):
#   CARGO_TARGET_DIR     shared build directory (default ~/.cache/swell/target)
#   SWELL_SKIP_CLUSTER=1 skip the Kubernetes smoke test (for a quick local run)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/swell/target}
export PATH=$PATH:/usr/local/go/bin:$HOME/.cargo/bin
export CARGO_TERM_COLOR=never
STARTED=$SECONDS

step() { echo "test.sh: [$((SECONDS - STARTED))s] $*"; }

as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo -n "$@"; fi; }

# ------------------------------------------------------------------ prerequisites

if ! command -v prometheus >/dev/null; then
  step "installing Prometheus (Debian package)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
# The Debian package starts a system Prometheus on :9090; the tests start their own.
if command -v systemctl >/dev/null && systemctl is-active --quiet prometheus 2>/dev/null; then
  as_root systemctl stop prometheus || true
fi
step "prometheus: $(prometheus --version 2>&1 | head -n1)"

CLUSTER_BUILD_PID=""
if [[ "${SWELL_SKIP_CLUSTER:-0}" != 1 ]]; then
  mkdir -p "$HOME/.cache/swell"
  step "building (or finding) the control plane in the background"
  tests/cluster/cluster.sh build >"$HOME/.cache/swell/cluster-build.out" 2>&1 &
  CLUSTER_BUILD_PID=$!
fi

# ------------------------------------------------------------------ Rust

step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
step "cargo test"
cargo test --workspace --locked
step "cargo test passed"

# ------------------------------------------------------------------ Kubernetes

if [[ -n "$CLUSTER_BUILD_PID" ]]; then
  step "waiting for the control-plane build"
  if ! wait "$CLUSTER_BUILD_PID"; then
    tail -n 40 "$HOME/.cache/swell/cluster-build.out" >&2
    echo "test.sh: the control-plane build failed" >&2
    exit 1
  fi
  step "control plane: $(tail -n1 "$HOME/.cache/swell/cluster-build.out")"
  # cargo test built the debug binary; the smoke test runs it as the pods' "vLLM".
  SWELL_BIN="$CARGO_TARGET_DIR/debug/swell" tests/cluster/smoke.sh
fi

step "all tests passed"
