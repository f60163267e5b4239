#!/usr/bin/env bash
# Iterations mode: the executor's composition of identical iterations (two run in SimGrid, the others their copies)
# against running every iteration in SimGrid (docs/model.md 4.14). The same 23 plans of
# tests/data/scenarios/tiny-iterations.yaml, for each collective and overlap setting, run both ways by
# cost_vs_simulation --dump; every plan's time and energies (hosts, links, radios) and every epoch's time and energy
# must agree to 1e-9 relative. Env: CVS (the cost_vs_simulation binary), SOURCE_DIR.
set -euo pipefail
: "${CVS:?}" "${SOURCE_DIR:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scenario="$SOURCE_DIR/tests/data/scenarios/tiny-iterations.yaml"
fail=0
for variant in training.sync=ring-allreduce training.sync=parameter-server training.sync_every=4 training.bucket_bytes=1e9; do
  "$CVS" "$scenario" 1e-6 --set "$variant" --dump "$work/composed.txt" >/dev/null
  "$CVS" "$scenario" 1e-6 --set "$variant" --simulate-every-iteration --dump "$work/plain.txt" >/dev/null
  if ! /usr/bin/python3 - "$work/composed.txt" "$work/plain.txt" "$variant" <<'PY'
import sys
a = open(sys.argv[1]).read().splitlines()
b = open(sys.argv[2]).read().splitlines()
assert len(a) == len(b) and len(a) >= 20, (len(a), len(b))
worst, values, acts = 0.0, 0, [0, 0]
for la, lb in zip(a, b):
    fa, fb = la.split('|'), lb.split('|')
    assert fa[0] == fb[0] and len(fa) == len(fb), (fa[0], fb[0])
    for x, y in zip(fa[1:], fb[1:]):
        ka, kb = x.split(), y.split()
        assert ka[0] == kb[0]
        if ka[0] == 'activities':  # what SimGrid ran: fewer when composed
            acts[0] += int(ka[1]); acts[1] += int(kb[1])
            continue
        for u, v in zip(ka[1:], kb[1:]):
            u, v = float(u), float(v)
            values += 1
            rel = abs(u - v) / max(1e-12, abs(v))
            worst = max(worst, rel)
            if rel > 1e-9:
                print(f"FAIL {fa[0]} {ka[0]}: composed {u!r}, plain {v!r}, rel. {rel:.2e}")
                sys.exit(1)
if not acts[0] * 3 < acts[1]:
    print(f"FAIL the composition ran {acts[0]} activities, every iteration {acts[1]}: not composed?")
    sys.exit(1)
print(f"ok {sys.argv[3]}: {len(a)} plans, {values} values, worst relative difference {worst:.1e}; "
      f"activities {acts[0]} composed, {acts[1]} plain")
PY
  then fail=1; fi
done
exit $fail
