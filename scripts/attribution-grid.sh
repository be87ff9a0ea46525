#!/usr/bin/env bash
# Regenerates the distillation-attribution grid of docs/attribution.md (issue 5, acceptance 1):
# log10 p-value vs number of probe answers for rho x {same, different student tokenizer} x {closed, reading}
# on real text (Brown corpus, Kneser-Ney teacher and students). Writes grid.json, grid.md and grid.svg.
#
#   scripts/attribution-grid.sh [--out docs/attribution] [--student-tokenizer hf:qwen3] [--student-tokens 400000]
#                               [--answers 2000] [--answer-tokens 200] [--reading-texts 2000] [--controls 20]
#                               [--student-order 4] [--rhos 0,0.01,0.05,0.2,1] [--seed 1] [--threads 2]
#
# Needs the fetched corpora (scripts/fetch-corpora.sh). About 2.5 minutes on 2 cores (shared machine).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# build the two modules in the reactor (nothing is installed into ~/.m2) and write test-corpora's classpath
mvn -B -q -pl test-corpora -am compile dependency:build-classpath -Dmdep.outputFile=target/grid-cp.txt
exec java -Xmx6g -cp "test-corpora/target/classes:$(cat test-corpora/target/grid-cp.txt)" \
    io.provmark.corpora.distill.AttributionGrid --out docs/attribution "$@"
