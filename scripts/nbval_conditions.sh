#!/usr/bin/env bash
# Re-execute every page with nbval under conditions that make this machine compute like
# another one, so that a chapter whose printed numbers depend on the CPU fails here first:
#   1. OPENBLAS_CORETYPE=Haswell                      (another OpenBLAS kernel choice)
#   2. NumPy's dispatched SIMD loops switched off and OpenBLAS's Sandybridge kernels
#      (other summation orders and other exp/log code paths)
#   3. one thread (OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1)
# Usage: bash scripts/nbval_conditions.sh [pytest arguments]   (make nbval-cpus)
# Prints one line per condition and exits non-zero if any condition fails.
set -u
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
WORKERS=${PYTEST_WORKERS:-2}
simd=$("$PY" -c 'from numpy._core import _multiarray_umath as m; print(" ".join(f for f in m.__cpu_dispatch__ if m.__cpu_features__.get(f)))')
labels=("OPENBLAS_CORETYPE=Haswell"
        "NPY_DISABLE_CPU_FEATURES='$simd' OPENBLAS_CORETYPE=Sandybridge"
        "OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1")
envs=("OPENBLAS_CORETYPE=Haswell"
      "NPY_DISABLE_CPU_FEATURES=$simd|OPENBLAS_CORETYPE=Sandybridge"
      "OPENBLAS_NUM_THREADS=1|OMP_NUM_THREADS=1")
status=0
summary=()
for i in "${!envs[@]}"; do
  IFS='|' read -r -a assignments <<< "${envs[$i]}"
  echo "== nbval with ${labels[$i]}"
  log=$(mktemp)
  env "${assignments[@]}" "$PY" -m pytest chapters -n "$WORKERS" --dist loadfile --nbval \
    --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg -q -p no:cacheprovider "$@" \
    2>&1 | tee "$log" | tail -n 3
  code=${PIPESTATUS[0]}
  summary+=("${labels[$i]}: $(grep -E '[0-9]+ (passed|failed)' "$log" | tail -n 1)")
  rm -f "$log"
  [ "$code" -eq 0 ] || status=1
done
printf '%s\n' "${summary[@]}"
exit $status
