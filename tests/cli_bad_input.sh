#!/bin/sh
# Careless commands a new user types: each must end with a message naming what and where and a
# non-zero exit (2 for a spec or usage error), never an abort, and must leave runs intact.
# usage: tests/cli_bad_input.sh GANLITE SPECS_DIR WORK_DIR
set -u
G=$1 SPECS=$2 W=$3
rm -rf "$W" && mkdir -p "$W" && echo text > "$W/a_file"
fails=0
# expect CODE PATTERN -- command...: the command's exit code is CODE and its output matches.
expect() {
  code=$1 pattern=$2
  shift 3
  out=$("$@" 2>&1)
  got=$?
  if [ "$got" != "$code" ] || ! printf '%s' "$out" | grep -q -- "$pattern"; then
    echo "FAIL: $* -> exit $got (want $code), output:"
    printf '%s\n' "$out" | sed 's/^/    /'
    fails=$((fails + 1))
  fi
  if printf '%s' "$out" | grep -q "terminate called"; then
    echo "FAIL: $* aborted"
    fails=$((fails + 1))
  fi
}
tiny="--quiet --set schedule.epochs=0 --set data.limit=32 --set data.batch_size=8
      --set model.G.options.ngf=8 --set model.D.options.ndf=8 --set logging.sample_every=0"
# shellcheck disable=SC2086
"$G" train "$SPECS/dcgan_fmnist.json" $tiny --set schedule.steps=2 --out "$W/runs" >/dev/null ||
  { echo "FAIL: the tiny run did not train"; exit 1; }
run="$W/runs/dcgan_fmnist"

expect 2 "/logging/out_dir: $W/a_file is a file, not a directory" -- \
  "$G" train "$SPECS/dcgan_fmnist.json" --out "$W/a_file" --stop-after 1
expect 2 "/logging/out_dir: $W/a_file is a file, not a directory" -- \
  "$G" train "$SPECS/dcgan_fmnist.json" --set "logging.out_dir=$W/a_file" --stop-after 1
expect 1 "\-\-output $W/a_file/x: cannot make the directory: $W/a_file is a file" -- \
  "$G" infer "$run" --num 2 --output "$W/a_file/x"
expect 1 "already holds a run" -- \
  "$G" train "$SPECS/dcgan_fmnist.json" $tiny --set schedule.steps=2 --out "$W/runs"
expect 2 "is not a run directory: give --out DIR" -- \
  "$G" report "$run/checkpoints/latest.safetensors" --num 8
# A checkpoint file resumes its run (the spec comes from the run directory).
expect 0 "" -- "$G" train --resume "$run/checkpoints/latest.safetensors" --set schedule.steps=3
expect 1 "nothing to resume" -- "$G" train --resume "$W/nowhere"
expect 2 "\-\-from needs \-\-resume" -- "$G" train "$SPECS/dcgan_fmnist.json" --from step_000002
# Translation: a folder with a broken image translates the others, names the broken one, exits 1.
# shellcheck disable=SC2086
"$G" train "$SPECS/cyclegan_fmnist.json" --quiet --out "$W/runs" --set schedule.epochs=0 \
  --set schedule.steps=1 --set data.limit=8 --set data.batch_size=1 --set model.G.options.ngf=4 \
  --set model.G.options.n_blocks=1 --set model.D.options.ndf=4 --set logging.sample_every=0 \
  >/dev/null || { echo "FAIL: the tiny CycleGAN did not train"; exit 1; }
expect 0 "fd_fmnist_BtoA" -- "$G" eval "$W/runs/cyclegan_fmnist" --num 8
mkdir -p "$W/photos" && echo broken > "$W/photos/broken.png"
"$G" infer "$run" --num 2 --output "$W/gray" >/dev/null
cp "$W/gray/sample_0000.png" "$W/photos/a.png" && cp "$W/gray/sample_0001.png" "$W/photos/b.png"
expect 1 "skipped $W/photos/broken.png" -- "$G" infer "$W/runs/cyclegan_fmnist" --input "$W/photos" \
  --output "$W/translated"
for f in a.png b.png index.html images/a_reconstruction.png; do
  [ -s "$W/translated/$f" ] || { echo "FAIL: infer wrote no $f"; fails=$((fails + 1)); }
done
expect 1 "skipped" -- "$G" infer "$W/runs/cyclegan_fmnist" --input "$W/photos" --direction BtoA \
  --output "$W/translated_ba"
# --test N: the run's own test inputs (here the first 3 test sneakers), translated.
expect 0 "3 images translated" -- "$G" infer "$W/runs/cyclegan_fmnist" --test 3 --output "$W/test3"
for f in test_inputs/test_0002.png test_0002.png images/test_0002_reconstruction.png; do
  [ -s "$W/test3/$f" ] || { echo "FAIL: infer --test wrote no $f"; fails=$((fails + 1)); }
done
expect 2 "not both" -- "$G" infer "$W/runs/cyclegan_fmnist" --test 3 --input "$W/photos" \
  --output "$W/test3b"
expect 2 "takes test images of a translation run" -- "$G" infer "$run" --test 3 --output "$W/t3"

# spec check catches what train would stop on, at the field to change.
check_at() {
  pattern=$1
  shift
  expect 2 "$pattern" -- "$G" spec check "$SPECS/dcgan_fmnist.json" "$@"
}
check_at '/name: expected .* other than "." and ".."' --set name=..
check_at "/model/G/options/ngf: dcgan_generator: option ngf expects an integer >= 1, got '0'" \
  --set model.G.options.ngf=0
check_at "/model/G/options/ngff: dcgan_generator: unknown option 'ngff'" --set model.G.options.ngff=3
check_at "/model/G/options: G (dcgan_generator) makes images of shape \[1, 64, 64\], the data's" \
  --set model.G.options.image_size=64
check_at "/model/D/options: D (dcgan_discriminator) does not take the data's images of shape" \
  --set model.D.options.image_size=64
check_at "/data/batch_size: 64 is larger than the dataset (10 examples, data.limit 10)" \
  --set data.limit=10 --set data.batch_size=64
check_at "/data/batch_size: a training step at batch 60000 needs about" --set data.batch_size=60000
if [ "${GANLITE_SANITIZED:-0}" = 0 ]; then
  # Widths that would need terabytes stop before the memory is touched.
  check_at "/model/G/options: host memory: a tensor of .* more than this machine's" \
    --set model.G.options.ngf=100000
fi
# train stops on the same, before it writes anything.
expect 2 "/model/G/options: G (dcgan_generator) makes images" -- "$G" train "$SPECS/dcgan_fmnist.json" \
  --quiet --out "$W/mismatch" --set model.G.options.image_size=64
[ -e "$W/mismatch/dcgan_fmnist" ] && { echo "FAIL: a refused run wrote its directory"; fails=$((fails + 1)); }
exit $fails
