#!/usr/bin/env bash
# Runs every benchmark in turn (never part of `npm test`: figures are read, not asserted).
# The machine is shared and small: run on an otherwise idle machine and compare the ratios each
# benchmark prints side by side, not absolute times across runs. Figures go in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -b
run() { echo; echo "=== $* ==="; npx tsx "$@"; }
run bench/sidecar/run.ts --seconds 5 --rounds 3
run bench/sidecar/server-ab.ts --seconds 3 --rounds 5
run bench/sidecar/embedded.ts --seconds 5 --rounds 3
run bench/sidecar/review-marker.ts
run bench/sidecar/shadow.ts --seconds 5 --rounds 3
run bench/codecs.ts
run bench/core/profile.ts
run bench/core/drift.ts
run bench/core/batch.ts
run bench/core/wasserstein.ts
run bench/collector/evaluation.ts
run bench/sidecar/prediction-log.ts
run bench/collector/ground-truth.ts 200000
run bench/grafana-panel.ts
# Small: the full matrix (100 models, up to 300 replicas) takes most of an hour and gigabytes of disk.
run bench/scale/run.ts --raw-prom 10 --raw-vm 10 --recorded 10,1000 --models 10
