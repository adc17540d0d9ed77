#!/usr/bin/env bash
# Runs nabla-mpi under mpirun on 1-4 ranks (loopback, oversubscribed) and checks every result against
# single-process nabla, byte for byte: uneven splits (37 planes on 2-4 ranks), accuracy 2/4/6, derivative 2,
# periodic axis 0, coordinates on axis 0, float32, 256 planes, Laplacian, divergence, curl, .npy and .npz
# outputs, HDF5 (each rank reading its planes by hyperslab: contiguous, chunked and deflated, integer) and
# compressed inputs; 3 planes on 4 ranks; truncated and missing inputs end every rank with
# one error line, exit 1, no output, and never hang (timeout 60); names that are not UTF-8 on 1-3 ranks. `--method spectral` (FFTW-MPI) is checked
# against nabla's spectral path within 1e-12 of each result's largest value (1e-5 for float32); --memory
# too small for a rank is refused on every rank.
# Usage: Scripts/test-mpi.sh [build-dir]   (default .build/debug; run `swift build --build-tests` first)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-.build/debug}
nabla=$bin/nabla
nabla_mpi=$bin/nabla-mpi
[ -x "$nabla" ] && [ -x "$nabla_mpi" ] || { echo "test-mpi: build first (swift build --build-tests)" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 Scripts/mpi_check.py make "$work"
if python3 -c "import h5py, numpy" 2>/dev/null; then
  # Contiguous float64; chunked and deflated float32 whose chunks straddle the ranks' planes; int16; and
  # a smooth periodic field for the spectral path.
  python3 -c "
import h5py, numpy
f = numpy.load('$work/v37.npy')
with h5py.File('$work/v.h5', 'w') as h:
    h['fields/V'] = f
    h.create_dataset('chunked', data=f.astype('f4'), chunks=(5, 3, 7), compression='gzip')
    h['ints'] = (f * 1000).astype('i2')
    h['smooth'] = numpy.load('$work/s37.npy')
"
fi
failed=0 passed=0

mpi() { local n=$1; shift; timeout 60 mpirun --oversubscribe --allow-run-as-root -np "$n" "$nabla_mpi" "$@"; }

# check NAME OUTPUT-EXT COMMAND ARGS…: nabla and nabla-mpi on 1-4 ranks, outputs compared.
check() {
  local name=$1 ext=$2; shift 2
  "$nabla" "$@" -o "$work/ref.$ext"
  for n in 1 2 3 4; do
    rm -f "$work/out.$ext"
    if mpi "$n" "$@" -o "$work/out.$ext" && python3 Scripts/mpi_check.py same "$work/ref.$ext" "$work/out.$ext"; then
      passed=$((passed + 1))
    else
      echo "FAIL: $name on $n ranks: nabla-mpi $*" >&2; failed=$((failed + 1))
    fi
  done
  # Singleton: no mpirun.
  rm -f "$work/out.$ext"
  if "$nabla_mpi" "$@" -o "$work/out.$ext" && python3 Scripts/mpi_check.py same "$work/ref.$ext" "$work/out.$ext"; then
    passed=$((passed + 1))
  else
    echo "FAIL: $name as a singleton" >&2; failed=$((failed + 1))
  fi
}

# refuse NAME OUTPUT COMMAND ARGS…: every rank ends with exit 1, one error line, no output.
refuse() {
  local name=$1 out=$2; shift 2
  for n in 1 2 4; do
    rm -f "$work/$out"
    set +e
    mpi "$n" "$@" -o "$work/$out" 2>"$work/err" >/dev/null
    local status=$?
    set -e
    local lines
    lines=$(grep -c '^nabla-mpi: error:' "$work/err" || true)
    if [ "$status" -ne 0 ] && [ "$status" -ne 124 ] && [ "$lines" -eq 1 ] && [ ! -e "$work/$out" ] \
       && [ -z "$(ls -A "$work" | grep nabla-mpi || true)" ]; then
      passed=$((passed + 1))
    else
      echo "FAIL: $name on $n ranks: status $status, $lines error lines, output left: $(ls "$work" | grep -c bad || true)" >&2
      cat "$work/err" >&2; failed=$((failed + 1))
    fi
  done
}

v=$work/v37.npy
check "gradient, numpy's scheme" npz gradient "$v"
check "gradient, edge order 2, spacing" npz gradient "$v" --spacing 0.1 --edge-order 2
check "gradient, accuracy 4" npz gradient "$v" --accuracy 4
check "gradient, accuracy 6" npz gradient "$v" --accuracy 6
check "second derivative, accuracy 4" npz gradient "$v" --derivative 2 --accuracy 4
check "periodic axis 0" npz gradient "$v" --periodic-axis 0 --accuracy 4
check "periodic everywhere" npz gradient "$v" --periodic
check "coordinates on axis 0" npz gradient "$v" --spacing "$work/x37.npy" --spacing 0.5 --spacing 2
check "coordinates on axis 0, accuracy 4" npy gradient "$v" --axis 0 --spacing "$work/x37.npy" --accuracy 4
check "axis 0 only, .npy output" npy gradient "$v" --axis 0
check "axes 1 and 2 only" npz gradient "$v" --axis -1 --axis 1
check "float32" npz gradient "$work/v37f.npy" --accuracy 4
check "256 planes" npz gradient "$work/v256.npy" --axis 0 --axis 2 --accuracy 6 --periodic-axis 0
check "2-D field" npz gradient "$work/v2d.npy" --accuracy 4 --edge-order 2
check "laplacian" npy laplacian "$v" --spacing 0.1
check "laplacian, accuracy 6, periodic" npz laplacian "$v" --accuracy 6 --periodic
check "divergence" npy divergence "$work/E.npz" --accuracy 4
check "curl" npz curl "$work/E.npz" --periodic-axis 0
check "compressed .npz input" npz curl "$work/Ec.npz"
check "3 planes (4 ranks: one owns none)" npz gradient "$work/v3.npy"
check "3 planes, edge order 2" npz gradient "$work/v3.npy" --edge-order 2
check "3 planes, periodic (whole axis gathered)" npz gradient "$work/v3.npy" --periodic
if [ -e "$work/v.h5" ]; then
  check "HDF5 input" npz gradient "$work/v.h5:/fields/V" --accuracy 4
  check "HDF5 chunked, deflated float32 input" npy laplacian "$work/v.h5:/chunked" --accuracy 4 --periodic
  check "HDF5 int16 input, --key" npz gradient "$work/v.h5" --key ints --edge-order 2
else
  echo "test-mpi: h5py not installed; HDF5 input not checked" >&2
fi

# spectral NAME EXT RTOL COMMAND ARGS…: `--method spectral` of nabla and of nabla-mpi on 1-4 ranks and as a
# singleton: every result within RTOL·max|result| of nabla's (FFTW-MPI's transforms are another sequence
# of operations than nabla's, so not bit for bit), and the same warnings.
spectral() {
  local name=$1 ext=$2 rtol=$3; shift 3
  "$nabla" "$@" --method spectral -o "$work/ref.$ext" 2>"$work/referr"
  for n in 1 2 3 4 singleton; do
    rm -f "$work/out.$ext"
    local run="mpi $n"
    [ "$n" = singleton ] && run=$nabla_mpi
    if $run "$@" --method spectral -o "$work/out.$ext" 2>"$work/err" \
       && python3 Scripts/mpi_check.py close "$work/ref.$ext" "$work/out.$ext" "$rtol" \
       && diff <(sed 's/^nabla:/X:/' "$work/referr") <(sed 's/^nabla-mpi:/X:/' "$work/err") >&2; then
      passed=$((passed + 1))
    else
      echo "FAIL: spectral $name on $n ranks: nabla-mpi $* --method spectral" >&2; failed=$((failed + 1))
    fi
  done
}

# same_error NAME COMMAND ARGS…: nabla-mpi on 3 ranks fails with nabla's error message.
same_error() {
  local name=$1; shift
  "$nabla" "$@" -o "$work/bad.npz" 2>"$work/referr" && echo "FAIL: $name: nabla accepted it" >&2
  set +e
  mpi 3 "$@" -o "$work/bad.npz" 2>"$work/err" >/dev/null
  set -e
  if diff <(sed 's/^nabla:/X:/' "$work/referr") <(grep '^nabla-mpi:' "$work/err" | sed 's/^nabla-mpi:/X:/') >&2; then
    passed=$((passed + 1))
  else
    echo "FAIL: $name: nabla-mpi's error differs from nabla's" >&2; failed=$((failed + 1))
  fi
}

s=$work/s37.npy
spectral "gradient, 37 planes" npz 1e-12 gradient "$s"
spectral "gradient, derivative 2, spacing" npz 1e-12 gradient "$s" --derivative 2 --spacing 0.1
spectral "axis 0 only, even axis 0 (Nyquist)" npy 1e-12 gradient "$work/s32.npy" --axis 0
spectral "axes 0 and 2, derivative 2, even axes" npz 1e-12 gradient "$work/s32.npy" --axis 0 --axis -1 --derivative 2
spectral "uniform coordinates on axis 0" npz 1e-12 gradient "$s" --spacing "$work/x37u.npy" --spacing 0.5 --spacing 2
spectral "laplacian" npy 1e-12 laplacian "$s"
spectral "laplacian, even axes, spacing" npz 1e-12 laplacian "$work/s32.npy" --spacing 0.3
spectral "2-D field" npz 1e-12 gradient "$work/s2d.npy"
spectral "2-D laplacian" npy 1e-12 laplacian "$work/s2d.npy"
spectral "1-D field" npz 1e-12 gradient "$work/s1d.npy" --derivative 2
spectral "float32" npz 1e-5 gradient "$work/s37f.npy"
spectral "3 planes (4 ranks: one owns none)" npz 1e-12 gradient "$work/s3.npy"
spectral "not periodic: the same warning" npy 1e-12 gradient "$work/x37.npy"
spectral "random data" npz 1e-12 gradient "$v" --axis 0 --axis 2
refuse "spectral, a NaN on plane 30" bad.npz gradient "$work/s37nan.npy" --method spectral
same_error "spectral, a NaN on plane 30" gradient "$work/s37nan.npy" --method spectral
same_error "spectral, non-uniform coordinates" gradient "$s" --method spectral --axis 0 --spacing "$work/x37.npy"
if [ -e "$work/v.h5" ]; then
  spectral "HDF5 input" npz 1e-12 gradient "$work/v.h5:/smooth"
  same_error "HDF5 missing dataset" gradient "$work/v.h5:/fields/W"
fi

# The sample: finite differences at their order of accuracy, and spectral derivatives of a field split
# unlike FFTW-MPI (its planes moved to FFTW-MPI's split and the results back), exact to rounding.
if [ -x "$bin/DistributedPotential" ]; then
  for n in 2 3; do
    if timeout 300 mpirun --oversubscribe --allow-run-as-root -np "$n" "$bin/DistributedPotential" >"$work/sample" 2>&1; then
      passed=$((passed + 1))
    else
      echo "FAIL: DistributedPotential on $n ranks" >&2; cat "$work/sample" >&2; failed=$((failed + 1))
    fi
  done
else
  echo "test-mpi: $bin/DistributedPotential not built; the sample not run" >&2
fi

# --memory bounds what each rank holds: refused when a rank's slab, halos (or FFTW-MPI's arrays) and results
# exceed it; results unchanged when they fit.
refuse "--memory too small" bad.npz gradient "$v" --memory 10k
refuse "--memory too small, spectral" bad.npz gradient "$s" --method spectral --memory 10k
check "--memory large enough" npz gradient "$v" --memory 128k --accuracy 4

refuse "truncated input" bad.npz gradient "$work/truncated.npy"
refuse "missing input" bad.npz gradient "$work/missing.npy"
refuse "axis too short" bad.npz gradient "$work/v3.npy" --accuracy 6
refuse "HDF5 output" bad.h5 gradient "$v" --axis 0
refuse "bad accuracy" bad.npz gradient "$v" --accuracy 3
# The output may never be the input: refused, and the input is intact.
cp "$v" "$work/keep.npy"
if mpi 2 gradient "$v" --axis 0 -o "$v" 2>/dev/null; then
  echo "FAIL: output = input accepted" >&2; failed=$((failed + 1))
elif cmp -s "$v" "$work/keep.npy"; then passed=$((passed + 1)); else echo "FAIL: input changed" >&2; failed=$((failed + 1)); fi

# Names that are not UTF-8: read and written byte for byte on every rank.
cp "$v" "$work/v"$'\xff'".npy"
"$nabla" gradient "$v" --accuracy 4 -o "$work/ref.npz"
for n in 1 2 3; do
  out="$work/o"$'\xe9'"$n.npz"
  if mpi "$n" gradient "$work/v"$'\xff'".npy" --accuracy 4 -o "$out" && python3 Scripts/mpi_check.py same "$work/ref.npz" "$out"; then
    passed=$((passed + 1))
  else
    echo "FAIL: a name that is not UTF-8 on $n ranks" >&2; failed=$((failed + 1))
  fi
done

echo "test-mpi: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
