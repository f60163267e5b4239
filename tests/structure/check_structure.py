#!/usr/bin/python3
"""The tree's architecture rules (docs/architecture.md), checked on the sources:

  layers     each folder of sim/src includes only its own layer and the layers below it; orchestrators/ include
             the SDK (deplsim/...) and their own folder or orchestrators/common/ only; no include cycle
  casts      no dynamic_cast in orchestrators/ (the SDK offers what planners need)
  functions  no function in sim/ or orchestrators/ longer than --max-lines (Universal Ctags finds them)
  docs       nothing in the repository refers to a document outside it; every folder of sim/src opens with a
             README.md saying what it holds and what it may use

Usage: check_structure.py [--root DIR] [--max-lines N] [--only layers,casts,functions,docs]
Exit 0 when every rule holds, 1 with one line per violation otherwise, 2 when a tool is missing.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

# Layers, bottom to top. A folder may include headers of its own layer and of the layers listed before it.
LAYERS = [
    ("sdk", ["sim/include/deplsim", "sim/src/sdk"]),
    ("support", ["sim/src/support"]),
    ("model", ["sim/src/scenario", "sim/src/platform", "sim/src/random", "sim/src/learning"]),
    ("executor", ["sim/src/executor"]),
    ("orchestrators", ["orchestrators"]),
    ("experiment", ["sim/src/experiment"]),
    ("report", ["sim/src/report"]),
    ("studies", ["sim/src/studies"]),
    ("commands", ["sim/src/commands"]),
]
# Which lower layers each layer may use (the orchestrators see the SDK only).
MAY_USE = {
    "sdk": {"sdk"},
    "support": {"sdk", "support"},
    "model": {"sdk", "support", "model"},
    "executor": {"sdk", "support", "model", "executor"},
    "orchestrators": {"sdk", "orchestrators"},
    "experiment": {"sdk", "support", "model", "executor", "orchestrators", "experiment"},
    "report": {"sdk", "support", "model", "executor", "orchestrators", "experiment", "report"},
    "studies": {"sdk", "support", "model", "executor", "orchestrators", "experiment", "report", "studies"},
    "commands": {"sdk", "support", "model", "executor", "orchestrators", "experiment", "report", "studies", "commands"},
}
OUTSIDE_DOCS = re.compile(r"\b(MODEL|ARCHITECTURE|STYLE)\.md\b")
SOURCE = re.compile(r"\.(cpp|hpp|h)$")


def git_files(root):
    out = subprocess.run(["git", "-C", root, "ls-files", "--cached", "--others", "--exclude-standard"],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    return sorted(f for f in out if f and os.path.isfile(os.path.join(root, f)))


def layer_of(path):
    for name, folders in LAYERS:
        for folder in folders:
            if path == folder or path.startswith(folder + "/"):
                return name
    return None


def resolve(root, src, include):
    """The repository path an #include "..." names, or None for a header outside the project."""
    here = os.path.dirname(src)
    for base in (here, "sim/include", "sim/src", ""):
        candidate = os.path.normpath(os.path.join(base, include))
        if os.path.isfile(os.path.join(root, candidate)):
            return candidate
    return None


def check_layers(root, files, problems):
    graph = {}
    for f in files:
        if not SOURCE.search(f) or layer_of(f) is None:
            continue
        me = layer_of(f)
        graph[f] = []
        with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m:
                    continue
                target = resolve(root, f, m.group(1))
                if target is None:
                    problems.append(f"{f}:{n}: includes \"{m.group(1)}\", which is not a file of the project")
                    continue
                graph[f].append(target)
                them = layer_of(target)
                if them is None:
                    problems.append(f"{f}:{n}: includes {target}, outside every layer")
                elif them not in MAY_USE[me]:
                    problems.append(f"{f}:{n}: layer '{me}' includes {target} of layer '{them}' (may use: "
                                    f"{', '.join(sorted(MAY_USE[me]))})")
                if me == "orchestrators" and them == "orchestrators":
                    mine = f.split("/")[1] if f.count("/") > 1 else ""
                    theirs = target.split("/")[1] if target.count("/") > 1 else ""
                    if f.count("/") > 1 and theirs not in (mine, "common"):
                        problems.append(f"{f}:{n}: an orchestrator includes {target}: only its own folder, "
                                        "orchestrators/common/ and deplsim/ may be included")
    # No include cycle (depth-first search with colours).
    state = {}
    stack = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                problems.append("include cycle: " + " -> ".join(cycle))
            elif state.get(nxt) is None:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if state.get(node) is None:
            visit(node)


def check_casts(root, files, problems):
    for f in files:
        if f.startswith("orchestrators/") and SOURCE.search(f):
            with open(os.path.join(root, f), encoding="utf-8", errors="replace") as fh:
                for n, line in enumerate(fh, 1):
                    if "dynamic_cast" in line:
                        problems.append(f"{f}:{n}: dynamic_cast in an orchestrator (use what the SDK offers)")


def check_functions(root, files, max_lines, problems):
    ctags = shutil.which("ctags")
    if ctags is None:
        print("check_structure: Universal Ctags (ctags) is needed for the function lengths", file=sys.stderr)
        sys.exit(2)
    sources = [f for f in files if SOURCE.search(f) and (f.startswith("sim/") or f.startswith("orchestrators/"))]
    out = subprocess.run([ctags, "--languages=C++", "--kinds-C++=f", "--fields=+ne", "-x",
                          "--_xformat=%{line} %{end} %F %N"] + sources, cwd=root, capture_output=True, text=True)
    if out.returncode != 0 or "Universal Ctags" not in subprocess.run([ctags, "--version"], capture_output=True,
                                                                       text=True).stdout:
        print("check_structure: ctags is not Universal Ctags: " + out.stderr.strip(), file=sys.stderr)
        sys.exit(2)
    for row in out.stdout.splitlines():
        parts = row.split(" ", 3)
        if len(parts) < 4 or not parts[1].isdigit():
            continue
        first, last, path, name = int(parts[0]), int(parts[1]), parts[2], parts[3]
        if last - first + 1 > max_lines:
            shown = name if not name.startswith("__anon") else "a lambda"
            problems.append(f"{path}:{first}: {shown} is {last - first + 1} lines (at most {max_lines})")


def check_docs(root, files, problems):
    for f in files:
        if f.startswith("tests/structure/"):
            continue
        try:
            with open(os.path.join(root, f), encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    if OUTSIDE_DOCS.search(line):
                        problems.append(f"{f}:{n}: refers to a document outside the repository")
        except (UnicodeDecodeError, OSError):
            continue
    folders = sorted({os.path.dirname(f) for f in files if f.startswith("sim/src/") and SOURCE.search(f)})
    tops = sorted({"/".join(d.split("/")[:3]) for d in folders})
    for d in tops:
        if not os.path.isfile(os.path.join(root, d, "README.md")):
            problems.append(f"{d}/: no README.md saying what the folder holds and what it may use")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    ap.add_argument("--max-lines", type=int, default=120)
    ap.add_argument("--only", default="layers,casts,functions,docs")
    a = ap.parse_args()
    files = git_files(a.root)
    problems = []
    only = set(a.only.split(","))
    if "layers" in only:
        check_layers(a.root, files, problems)
    if "casts" in only:
        check_casts(a.root, files, problems)
    if "functions" in only:
        check_functions(a.root, files, a.max_lines, problems)
    if "docs" in only:
        check_docs(a.root, files, problems)
    for p in problems:
        print(p)
    print(f"check_structure: {len(problems)} problem(s) in {len(files)} files ({', '.join(sorted(only))})")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
