#!/usr/bin/env bash
# Regenerates the distillation-attribution grid of docs/attribution.md (issue 5, acceptance 1):
# log10 p-value vs number of probe answers for rho x {same, different student tokenizer} x {closed, reading}
# on real text (Brown corpus, Kneser-Ney teacher and students). Writes grid.json, grid.md and grid.svg.
#
#   scripts/attribution-grid.sh [--out docs/attribution] [--student-tokenizer hf:qwen3] [--student-tokens 400000]
#                               [--answers 2000] [--answer-tokens 200] [--reading-texts 2000] [--controls 20]
#                               [--student-order 4] [--rhos 0,0.01,0.05,0.2,1] [--seed 1] [--threads 2]
#
#   scripts/attribution-grid.sh --sweeps [--clean-runs 100] [--cohort-seeds 20]
#       instead: the one-off sweeps for acceptance 2 and 4 (clean students over many keys; 20 cohorts / 3 fed over
#       many seeds) at the sizes of DistillationRealTextTest -> docs/attribution/sweeps.md
#
# Needs the fetched corpora (scripts/fetch-corpora.sh). About 2.6 minutes on 2 cores (shared machine).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# build the two modules in the reactor (nothing is installed into ~/.m2) and write test-corpora's classpath
mvn -B -q -pl test-corpora -am compile dependency:build-classpath -Dmdep.outputFile=target/grid-cp.txt
CP="test-corpora/target/classes:$(cat test-corpora/target/grid-cp.txt)"
if [ "${1:-}" = "--sweeps" ]; then
  shift
  exec java -Xmx6g -cp "$CP" io.provmark.corpora.distill.AttributionSweeps --out docs/attribution "$@"
fi
exec java -Xmx6g -cp "$CP" io.provmark.corpora.distill.AttributionGrid --out docs/attribution "$@"
