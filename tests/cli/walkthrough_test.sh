#!/usr/bin/env bash
# docs/walkthrough.md runs as written: its files (a "<!-- file: NAME -->" line before a fenced block) are written
# into an empty folder, each "$ deplsim ..." line of its console blocks runs there (exit 0), and every output line
# the page shows under a command ("..." marks lines left out) is among the lines the command printed; the compare
# folders hold the figures and report.html the page promises.
source "$(dirname "$0")/testlib.sh" walkthrough
W="$TMP/work"
mkdir -p "$W"
check "the walkthrough's commands run and print what the page shows" "$PY" - "$SOURCE_DIR/docs/walkthrough.md" "$W" "$DEPLSIM" <<'PYEOF'
import pathlib, re, shlex, subprocess, sys
page, work, deplsim = pathlib.Path(sys.argv[1]).read_text(), pathlib.Path(sys.argv[2]), sys.argv[3]
blocks = re.findall(r"(?:<!-- file: (\S+) -->\n)?```(\w*)\n(.*?)```", page, flags=re.S)
files = [(name, body) for name, kind, body in blocks if name]
consoles = [body for name, kind, body in blocks if kind == "console"]
assert len(files) == 2 and len(consoles) >= 4, (len(files), len(consoles))
for name, body in files:
    (work / name).write_text(body)
commands = 0
for body in consoles:
    for chunk in re.split(r"^\$ ", body, flags=re.M)[1:]:
        lines = chunk.rstrip("\n").split("\n")
        argv = shlex.split(lines[0])
        assert argv[0] == "deplsim", lines[0]
        p = subprocess.run([deplsim] + argv[1:], cwd=work, capture_output=True, text=True, timeout=1800)
        printed = set((p.stdout + p.stderr).splitlines())
        assert p.returncode == 0, (lines[0], p.returncode, p.stderr[-2000:])
        for want in lines[1:]:
            if want != "...":
                assert want in printed, ("%s: the page shows a line it did not print:\n%s" % (lines[0], want))
        commands += 1
assert commands >= 5, commands
print(commands, "commands")
PYEOF
check "  results/: the figures and report.html" bash -c "for f in loss-cdf energy guarantee; do test -s '$W/results/figures/'\$f.png -a -s '$W/results/figures/'\$f.pdf || exit 1; done; test -s '$W/results/report.html'"
check "  results-95/ too" test -s "$W/results-95/report.html"
finish
