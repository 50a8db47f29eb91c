#!/usr/bin/env python3
"""The target graph, read from Package.swift (through `swift package dump-package`), in three uses:

  scripts/target-graph.py            rewrite docs/architecture.md's target table and dependency graph
  scripts/target-graph.py --check    fail when docs/architecture.md differs from what Package.swift says, when a
                                     source file imports a module its target does not list as a dependency, or
                                     when a rule of the graph (CONTRIBUTING.md) is broken
  scripts/target-graph.py --self-test  show that the checks catch what they are for

The generated part of docs/architecture.md sits between `<!-- target-graph:begin -->` and
`<!-- target-graph:end -->`. The "what" column is prose and stays where it is written: the script keeps each
target's text from the table it replaces, and refuses a target that has none.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- target-graph:begin -->", "<!-- target-graph:end -->"

# Modules every target may import without listing them: the toolchain's own.
TOOLCHAIN = {
    "Foundation", "FoundationEssentials", "FoundationNetworking", "Dispatch", "Glibc", "Musl", "Darwin",
    "Synchronization", "_Concurrency", "XCTest", "Testing", "os",
}
# Products whose module name differs from the product name (none so far).
PRODUCT_MODULES: dict[str, list[str]] = {}
# Who may see the AMQP client: the broker layer, and the test support that drives the raw client.
AMQP_CLIENT_USERS = {"BatonBroker", "BatonTestSupport"}
# Targets no shipped binary should link (tooling for tests, the failure lab and the load tester).
TOOLING = {"BatonTestSupport", "ChaosLab", "LoadTesting", "LocalProcesses", "StoreTestSupport"}
SHIPPED_WORKERS = {"orchestrator", "worker-function", "legacy-system", "approver"}

IMPORT = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|private|fileprivate)\s+)?"
                    r"import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)",
                    re.M)


def load_package() -> dict:
    out = subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def dependencies(target: dict) -> tuple[list[str], list[str]]:
    """(project targets, product modules) a target lists."""
    own, products = [], []
    for dep in target.get("dependencies", []):
        if "byName" in dep:
            own.append(dep["byName"][0])
        elif "target" in dep:
            own.append(dep["target"][0])
        elif "product" in dep:
            name = dep["product"][0]
            products.extend(PRODUCT_MODULES.get(name, [name]))
    return own, products


def source_dir(target: dict) -> Path:
    if target.get("path"):
        return ROOT / target["path"]
    base = "Tests" if target["type"] == "test" else "Sources"
    return ROOT / base / target["name"]


def imports_of(directory: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for file in sorted(directory.rglob("*.swift")):
        for module in IMPORT.findall(file.read_text(encoding="utf-8")):
            found.setdefault(module, []).append(os.path.relpath(file, ROOT))
    return found


def closure(graph: dict[str, list[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for dep in graph.get(todo.pop(), []):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def problems(package: dict) -> list[str]:
    targets = package["targets"]
    names = {t["name"] for t in targets}
    graph = {t["name"]: dependencies(t)[0] for t in targets}
    found = []
    for target in targets:
        if target["type"] == "system":
            continue
        own, products = dependencies(target)
        allowed = set(own) | set(products) | TOOLCHAIN | {target["name"]}
        for module, files in imports_of(source_dir(target)).items():
            if module not in allowed:
                found.append(f"{target['name']}: imports {module} ({files[0]}) but Package.swift does not list it")
        if "AMQPClient" in own and target["type"] != "test" and target["name"] not in AMQP_CLIENT_USERS:
            found.append(f"{target['name']}: depends on AMQPClient; only {sorted(AMQP_CLIENT_USERS)} may")
    for binary in SHIPPED_WORKERS & names:
        linked = closure(graph, binary) & TOOLING
        if linked:
            found.append(f"{binary}: links tooling {sorted(linked)}")
    for name in names:
        if name in closure(graph, name):
            found.append(f"{name}: the graph has a cycle through it")
    return found


def described(doc: str) -> dict[str, str]:
    """The "what" of each target, from the table in the generated part (or the old hand-written table)."""
    what = {}
    for line in doc.splitlines():
        m = re.match(r"^\| `([A-Za-z-]+)` \|(?: [^|]* \|)*? ([^|]+) \|$", line)
        if m:
            what[m.group(1)] = m.group(2).strip()
    return what


def render(package: dict, what: dict[str, str]) -> str:
    targets = [t for t in package["targets"] if t["type"] != "test"]
    order = {"system": 0, "regular": 1, "executable": 2}
    targets.sort(key=lambda t: (order.get(t["type"], 3), 0))
    missing = [t["name"] for t in targets if t["name"] not in what]
    if missing:
        raise SystemExit(f"target-graph.py: describe {', '.join(missing)} in docs/architecture.md's target table "
                         f"(a row `| `Name` | … | what it is |`)")
    lines = [BEGIN,
             "<!-- Generated by scripts/target-graph.py from Package.swift; CI checks it (--check). Edit only the "
             "last column. -->",
             "| target | kind | depends on (Baton) | packages | what |", "|---|---|---|---|---|"]
    for t in targets:
        own, products = dependencies(t)
        kind = {"system": "system library", "regular": "library", "executable": "executable"}[t["type"]]
        lines.append(f"| `{t['name']}` | {kind} | {', '.join(own) or '—'} | {', '.join(products) or '—'} | "
                     f"{what[t['name']]} |")
    lines += ["", "```mermaid", "graph BT"]
    for t in targets:
        for dep in dependencies(t)[0]:
            lines.append(f"  {node(t['name'])} --> {node(dep)}")
    lines += ["```", END]
    return "\n".join(lines)


def node(name: str) -> str:
    return f'{name.replace("-", "_")}["{name}"]' if "-" in name else name


def rewritten(doc: str, package: dict) -> str:
    if BEGIN in doc:
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        return head + render(package, described(doc)) + tail
    # First run: replace the hand-written table under "## Targets".
    m = re.search(r"(## Targets[^\n]*\n)((?:\|[^\n]*\n)+)", doc)
    if not m:
        raise SystemExit("target-graph.py: docs/architecture.md has no '## Targets' table to replace")
    return doc[: m.start(2)] + render(package, described(m.group(2))) + "\n" + doc[m.end(2):]


def self_test() -> None:
    package = load_package()
    # An import the target does not list is caught.
    with tempfile.TemporaryDirectory() as scratch:
        fake = {"name": "Probe", "type": "regular", "path": scratch, "dependencies": [{"byName": ["BatonJSON", None]}]}
        Path(scratch, "A.swift").write_text("import BatonJSON\n@preconcurrency import AMQPClient\n")
        found = problems({"targets": package["targets"] + [fake]})
        assert any("Probe: imports AMQPClient" in p for p in found), found
    # A worker linking the failure lab is caught.
    bad = json.loads(json.dumps(package))
    for t in bad["targets"]:
        if t["name"] == "worker-function":
            t["dependencies"].append({"byName": ["BatonTestSupport", None]})
    assert any("worker-function: links tooling" in p for p in problems(bad))
    # A drifted document is caught.
    doc = DOC.read_text(encoding="utf-8")
    assert rewritten(doc.replace("| library |", "| executable |", 1), package) != doc.replace(
        "| library |", "| executable |", 1)
    print("target-graph.py: self-test passed")


def main() -> int:
    if "--self-test" in sys.argv:
        self_test()
        return 0
    package = load_package()
    doc = DOC.read_text(encoding="utf-8")
    new = rewritten(doc, package)
    found = problems(package)
    if "--check" in sys.argv:
        if new != doc:
            found.append("docs/architecture.md's target table or graph differs from Package.swift: run "
                         "scripts/target-graph.py")
        for p in found:
            print(f"target-graph.py: {p}", file=sys.stderr)
        if not found:
            print("target-graph.py: docs/architecture.md matches Package.swift; every import is declared")
        return 1 if found else 0
    if new != doc:
        DOC.write_text(new, encoding="utf-8")
        print("target-graph.py: docs/architecture.md rewritten")
    for p in found:
        print(f"target-graph.py: {p}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
