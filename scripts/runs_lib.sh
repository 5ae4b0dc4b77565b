# Sourced by the results scripts (scripts/*_runs.sh): B, the binary ($GANLITE or build/bin/ganlite);
# SEED (default 0) and SUFFIX, "_s<SEED>" for a seed other than 0 (the scripts' run names end in
# it); `train_run NAME SPEC [train args]` trains run NAME under $OUT with $B (a fresh run: an older
# one of that name is removed), quietly, and says how long it took. $THREADS, when set, is passed
# as --threads.
B=${GANLITE:-build/bin/ganlite}
SEED=${SEED:-0}
SUFFIX=""
[ "$SEED" = 0 ] || SUFFIX="_s$SEED"

train_run() {
  local name=$1
  shift
  rm -rf "${OUT:?}/$name"
  local t0=$SECONDS
  "$B" train "$@" --set "name=$name" --out "$OUT" ${THREADS:+--threads "$THREADS"} --quiet
  echo "$name: trained in $((SECONDS - t0)) s"
}
