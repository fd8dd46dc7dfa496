#!/usr/bin/env bash
# swell's benchmarks, each measuring its candidates side by side in one run:
#
#   decide   decisions per second for one ScaledObject (legacy HPA path, full `behavior`,
#            `behavior` + a scalingModifiers formula); goal >= 1,000,000/s with `behavior`
#   parse    exposition parser throughput (MB/s) on a real-sized vLLM /metrics page,
#            against a bare line split of the same page
#   sources  evaluation latency p50/p99 of the direct `type: vllm` trigger over 100 emulated
#            pods against the same signal through a real Prometheus (needs `prometheus`)
#
#   bench/run.sh [decide|parse|sources]...   (default: all three)
#
# Criterion benches also take criterion's own flags after `--`, e.g.
#   cargo bench -p swell-core --bench decide -- --measurement-time 10
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/swell/target}

benches=("$@")
[[ ${#benches[@]} -gt 0 ]] || benches=(decide parse sources)
for bench in "${benches[@]}"; do
  case "$bench" in
    decide) cargo bench -q -p swell-core --bench decide ;;
    parse) cargo bench -q -p swell-metrics --bench parse ;;
    sources)
      command -v prometheus >/dev/null || [[ -x /usr/bin/prometheus ]] ||
        { echo "bench/run.sh: sources needs Prometheus (apt-get install prometheus)" >&2; exit 2; }
      cargo bench -q -p swell-metrics --bench sources ;;
    *) echo "bench/run.sh: unknown benchmark '$bench' (decide, parse, sources)" >&2; exit 2 ;;
  esac
done
