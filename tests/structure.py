#!/usr/bin/env python3
"""tests/structure.py SRC OBJDIR - checks the layering that docs/architecture.md describes.

Fails (exit 1, one line per finding) on:
  - a dependency cycle between .c files, or between folders of src/: file A depends on file B
    when A's object file uses a symbol B's object file defines (from `nm`), or A includes a
    header of B's folder;
  - a file of src/cli including a header from another folder of src/ (the command line talks to
    include/srgan.h and its own headers only);
  - an OpenMP parallel region (`omp parallel`) outside src/runtime and src/train;
  - a setter on a loaded model: a public function `sr_model_set_*`.
"""
import os
import re
import subprocess
import sys


def sources(src):
    out = []
    for root, _, files in os.walk(src):
        for f in files:
            if f.endswith((".c", ".h", ".inc")):
                out.append(os.path.relpath(os.path.join(root, f), src))
    return sorted(out)


def folder(rel):
    return rel.split("/")[0] if "/" in rel else "."


def symbols(objdir, src_files):
    """{source .c: (defined, undefined)} from the object files cmake made under objdir."""
    table = {}
    for c in src_files:
        if not c.endswith(".c"):
            continue
        obj = None
        for root, _, files in os.walk(objdir):
            for f in files:
                if f == os.path.basename(c) + ".o" and os.path.join(root, f).endswith(c + ".o"):
                    obj = os.path.join(root, f)
        if obj is None:
            continue  # a file this build does not compile (another architecture's kernels)
        res = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
        defined, undefined = set(), set()
        for line in res.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "U":
                undefined.add(parts[1])
            elif len(parts) == 3 and parts[1] in "TDBRGSV" and parts[1].isupper():
                defined.add(parts[2])
        table[c] = (defined, undefined)
    return table


def cycles(graph):
    """The strongly connected components of more than one node (each a set of nodes that all
    reach each other), by Tarjan's algorithm; sorted, for stable messages."""
    index, low, on, stack, out = {}, {}, set(), [], []

    def visit(n):
        index[n] = low[n] = len(index)
        stack.append(n)
        on.add(n)
        for m in sorted(graph.get(n, ())):
            if m not in index:
                visit(m)
                low[n] = min(low[n], low[m])
            elif m in on:
                low[n] = min(low[n], index[m])
        if low[n] == index[n]:
            comp = []
            while True:
                m = stack.pop()
                on.discard(m)
                comp.append(m)
                if m == n:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for n in sorted(graph):
        if n not in index:
            visit(n)
    return sorted(out)


def main():
    src, objdir = sys.argv[1], sys.argv[2]
    files = sources(src)
    problems = []
    include_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
    texts = {f: open(os.path.join(src, f), encoding="utf-8").read() for f in files}

    def resolve(f, inc):
        for base in (os.path.dirname(f), ""):
            p = os.path.normpath(os.path.join(base, inc))
            if p in texts:
                return p
        return None

    # File graph: .c -> .c through symbols; includes add folder edges.
    syms = symbols(objdir, files)
    if not syms:
        print(f"structure: no object files for {src} under {objdir}")
        return 1
    owner = {}
    for c, (defined, _) in syms.items():
        for s in defined:
            owner[s] = c
    graph = {c: set() for c in syms}
    for c, (_, undefined) in syms.items():
        for s in undefined:
            o = owner.get(s)
            if o and o != c:
                graph[c].add(o)
    folders = {}
    for c, deps in graph.items():
        for d in deps:
            if folder(c) != folder(d):
                folders.setdefault(folder(c), set()).add(folder(d))
    for f, text in texts.items():
        for inc in include_re.findall(text):
            p = resolve(f, inc)
            if p is None:
                continue
            if folder(p) != folder(f):
                folders.setdefault(folder(f), set()).add(folder(p))
            if folder(f) == "cli" and folder(p) != "cli":
                problems.append(f"{f}: includes {p}, another folder's private header "
                                "(the command line uses include/srgan.h and src/cli/ only)")
    for comp in cycles(graph):
        edges = [f"{a} -> {b}" for a in comp for b in sorted(graph[a]) if b in comp]
        problems.append("cycle between files: " + ", ".join(edges))
    for comp in cycles(folders):
        edges = [f"{a} -> {b}" for a in comp for b in sorted(folders[a]) if b in comp]
        problems.append("cycle between folders: " + ", ".join(edges))

    omp_re = re.compile(r"^\s*#\s*pragma\s+omp\s+parallel\b", re.M)
    for f, text in texts.items():
        if omp_re.search(text) and folder(f) not in ("runtime", "train"):
            problems.append(f"{f}: starts an OpenMP parallel region (only src/runtime and "
                            "src/train may; kernels are given their slice)")
    public = open(os.path.join(src, "..", "include", "srgan.h"), encoding="utf-8").read()
    for m in re.findall(r"\b(sr_model_set_\w+)\s*\(", public):
        problems.append(f"include/srgan.h: {m}: a setter on a loaded model (pass it in "
                        "sr_model_params instead)")

    for p in problems:
        print("structure:", p)
    if not problems:
        print(f"structure: {len(syms)} files in {len(set(map(folder, syms)))} folders, "
              "no cycles, kernels start no threads")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
