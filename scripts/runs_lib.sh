# Sourced by the results scripts (scripts/*_runs.sh): `train_run NAME SPEC [train args]` trains
# run NAME under $OUT with binary $B (a fresh run: an older one of that name is removed), quietly,
# and says how long it took. $THREADS, when set, is passed as --threads.
train_run() {
  local name=$1
  shift
  rm -rf "${OUT:?}/$name"
  local t0=$SECONDS
  "$B" train "$@" --set "name=$name" --out "$OUT" ${THREADS:+--threads "$THREADS"} --quiet
  echo "$name: trained in $((SECONDS - t0)) s"
}
