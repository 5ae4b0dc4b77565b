#!/usr/bin/env bash
# docs/results/crd.md: CRD on Fashion-MNIST, both tasks. Each CRD run trains the teacher pair
# online with the CRD student and, beside it, the plain-distillation student (l1_student: the same
# mobile ResNet on L1 to the same teacher outputs); the "alone" runs train that student network
# by the task's own losses (no teacher), with the teacher's recipe, for as many steps as the CRD
# student takes:
#   crd_cyclegan    specs/crd_cyclegan_fmnist.json (sneaker -> ankle boot; 6 cycles of 1 teacher
#                   epoch of 512 steps and 4 student epochs)
#   alone_cyclegan  CycleGAN with mobile ResNet generators, 24 epochs (the CRD student's 12288 steps)
#   alone_cyclegan_t  the same for 6 epochs (the teacher's 3072 steps)
#   crd_pix2pix     specs/crd_pix2pix_fmnist.json (edges -> item, 6000 steps, batch 4)
#   alone_pix2pix   pix2pix with the mobile ResNet generator, 6000 steps
# then benchmarks/crd_table.py OUT (metrics, params, MACs, latency, grids) with PART table.
# Usage: scripts/crd_runs.sh [OUT_DIR] [all|crd|alone|table] (defaults runs/crd, all); the parts
# crd and alone can run side by side. GANLITE=path picks the binary; THREADS (default 1) per run;
# SEED=s (default 0) trains from another seed, the run names then ending in _s<s> (the table
# averages the seeds listed in SEEDS, default "0").
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/crd}
PART=${2:-all}
THREADS=${THREADS:-1}
mkdir -p "$OUT/specs"
source scripts/runs_lib.sh
train() {
  train_run "$1$SUFFIX" "${@:2}" --set "seed=$SEED"
}

# The student trained alone: the CRD spec's task and recipe, G = its student network, no technique.
alone_spec() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys
spec, out, epochs = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
p = spec.pop("technique")["params"]
g = spec["model"]["G"]["options"]
spec["model"]["G"] = {"name": "mobile_resnet_generator",
                      "options": {"input_nc": g["input_nc"], "output_nc": g["output_nc"],
                                  "ngf": p["student_ngf"], "n_blocks": p["student_n_blocks"]}}
del spec["optim"]["student"]
if epochs != "-":
    spec["schedule"]["epochs"] = int(epochs)
json.dump(spec, open(out, "w"), indent=2)
PY
}

if [ "$PART" = all ] || [ "$PART" = crd ]; then
  train crd_cyclegan specs/crd_cyclegan_fmnist.json --set technique.params.l1_student=true
  train crd_pix2pix specs/crd_pix2pix_fmnist.json --set technique.params.l1_student=true
fi
if [ "$PART" = all ] || [ "$PART" = alone ]; then
  alone_spec specs/crd_cyclegan_fmnist.json "$OUT/specs/alone_cyclegan.json" 24
  train alone_cyclegan "$OUT/specs/alone_cyclegan.json"
  alone_spec specs/crd_cyclegan_fmnist.json "$OUT/specs/alone_cyclegan_t.json" 6
  train alone_cyclegan_t "$OUT/specs/alone_cyclegan_t.json"
  alone_spec specs/crd_pix2pix_fmnist.json "$OUT/specs/alone_pix2pix.json" -
  train alone_pix2pix "$OUT/specs/alone_pix2pix.json"
fi
if [ "$PART" = all ] || [ "$PART" = table ]; then
  GANLITE="$B" SEEDS="${SEEDS:-0}" benchmarks/crd_table.py "$OUT"
fi
