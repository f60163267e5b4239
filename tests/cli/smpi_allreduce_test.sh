#!/usr/bin/env bash
# deplsim's ring all-reduce against SimGrid SMPI's own MPI_Allreduce (the logical-ring algorithm `lr`, SimGrid's
# implementation of MPI, independent of ours) on the same platform file, hosts and network model (LV08, no
# computation timed): within 2% (docs/model.md 4.14 gives the table) for n in {2, 4, 8, 16} and 1 MB to 256 MB on the
# distributed platform's 25 GbE cloud cluster, and for n in {2, 8} on its 1 GbE edge cluster.
# Env: COLLECTIVE_TIME (the collective_time binary), SOURCE_DIR. Needs smpicc and smpirun (Debian's libsimgrid-dev).
set -euo pipefail
: "${COLLECTIVE_TIME:?}" "${SOURCE_DIR:?}"
for tool in smpicc smpirun; do
  command -v $tool >/dev/null || { echo "FAIL: $tool not found (Debian package libsimgrid-dev; ./run.sh installs it)"; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scenario="$SOURCE_DIR/scenarios/distributed/resnet50-edge-cloud.yaml"
platform="$SOURCE_DIR/platforms/distributed-edge-cloud.xml"
(cd "$work" && smpicc -O1 -o allreduce "$SOURCE_DIR/tests/smpi/allreduce.c" 2>"$work/cc.err") ||
  { cat "$work/cc.err"; echo "FAIL: smpicc could not build tests/smpi/allreduce.c"; exit 1; }
{
  "$COLLECTIVE_TIME" "$scenario" cloud 2,4,8,16 1e6,1.6e7,2.56e8
  "$COLLECTIVE_TIME" "$scenario" edge 2,8 1e6,1.6e7,2.56e8
} >"$work/ours.txt"
fail=0
worst=0
while read -r n bytes ours hosts; do
  printf '%s\n' $hosts >"$work/hostfile"
  smpi=$(cd "$work" && smpirun -np "$n" -platform "$platform" -hostfile "$work/hostfile" --cfg=smpi/allreduce:lr \
           --cfg=network/model:LV08 --cfg=smpi/simulate-computation:no --log=root.thres:critical \
           ./allreduce "$(printf '%.0f' "$bytes")" 2>"$work/smpi.err" | tail -1)
  line=$(/usr/bin/python3 -c "
import sys
n, b, ours, smpi = sys.argv[1:]
rel = (float(ours) - float(smpi)) / float(smpi)
print(f'{abs(rel):.6f} n={n} bytes={float(b):.0f} deplsim={float(ours):.6g} s SMPI={float(smpi):.6g} s relative={rel:+.2e}')
" "$n" "$bytes" "$ours" "$smpi") || { cat "$work/smpi.err"; echo "FAIL: n=$n bytes=$bytes: no SMPI time"; fail=1; continue; }
  rel=${line%% *}
  echo "${line#* }"
  if /usr/bin/python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 0.02 else 1)" "$rel"; then :; else
    echo "FAIL: above 2%"; fail=1
  fi
done <"$work/ours.txt"
[ $fail = 0 ] && echo "ok: every case within 2%"
exit $fail
