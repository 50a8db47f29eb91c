#!/usr/bin/env python3
"""The repository stands alone: no tracked file may refer to a path outside it. scripts/test.sh runs this first.

Refused, in any tracked file (scripts, sources, tests, deploy files, docs, README):
  - a relative path with `../` that, resolved from the file's own directory (or from the repository root where it
    follows a root variable such as `$ROOT/`), leaves the repository;
  - the root's parent spelled out: `$ROOT/..`, `ROOT.parent`;
  - an absolute path of a build machine: /work/…, /opt/swift…, /root/…, /home/<user>/…, /Users/<user>/…;
  - the documents this project grew from, which a clone does not carry: shared/STYLE.md, shared/bench,
    shared/schemas, shared/seeds, shared/hooks.

  scripts/check-self-contained.py [--root DIR]    check DIR (default: this repository); exit 1 on any finding
  scripts/check-self-contained.py --self-test     plant each kind of finding in a scratch tree and check each is caught
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

THIS_FILE = Path(__file__).resolve()
RELATIVE = re.compile(r"(?P<before>\$\{?ROOT\}?\"?/|ROOT\s*/\s*\"?)?(?P<path>(?:\.\./)+[\w.@-]*)")
PATTERNS = [
    (re.compile(r"\$\{?ROOT\}?\"?/\.\.(?:/|\"|'|\s|$)|\bROOT\.parent\b"), "reaches above the repository root"),
    (re.compile(r"(?<![\w)}$.-])/(?:work|opt/swift[\w-]*|root|home/[a-z][\w-]*|Users/\w+)/"),
     "is an absolute path of a build machine"),
    (re.compile(r"\bshared/(?:STYLE\.md|bench|schemas|seeds|hooks)\b"), "names a file that lives outside the repository"),
]
BINARY_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".ico", ".woff", ".woff2", ".sqlite", ".gz", ".zip"}


def tracked_files(root: Path):
    """Files git tracks or would track under ROOT (or, outside a git checkout, every file but build and broker directories)."""
    listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True)
    if listed.returncode == 0:
        return [root / name for name in listed.stdout.decode().split("\0") if name]
    skipped = {".git", ".rabbitmq", ".data", ".swiftpm"}
    return [path for path in root.rglob("*") if path.is_file()
            and not any(part in skipped or part.startswith((".build", "build-")) for part in path.relative_to(root).parts)]


def findings(root: Path):
    root = root.resolve()
    for path in sorted(tracked_files(root)):
        if path.resolve() == THIS_FILE or path.suffix in BINARY_SUFFIXES or not path.is_file():
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        relative_name = path.relative_to(root)
        for number, line in enumerate(text.splitlines(), 1):
            for match in RELATIVE.finditer(line):
                base = root if match.group("before") else path.parent
                target = Path(os.path.normpath(base / match.group("path")))
                if target != root and root not in target.parents:
                    yield f"{relative_name}:{number}: `{match.group(0)}` leaves the repository"
            for pattern, reason in PATTERNS:
                for match in pattern.finditer(line):
                    yield f"{relative_name}:{number}: `{match.group(0).strip()}` {reason}"


def self_test():
    """Each kind of finding, planted in a scratch tree, must be caught; a clean tree must pass."""
    planted = {
        "scripts/escape.sh": 'SRC="$ROOT/../shared/bench/x.c"\n',
        "docs/link.md": "See [the guide](../../STYLE.md).\n",
        "Sources/A/paths.swift": 'let packages = "/opt/swift-packages/apple"\n',
        "scripts/parent.py": 'schema = ROOT.parent / "x.json"\n',
        "README.md": "Read shared/STYLE.md first.\n",
    }
    clean = {
        "docs/ok.md": "See [the README](../README.md) and `scripts/demo.sh`; data in /opt/baton/statemachines.\n",
        "scripts/ok.sh": 'ROOT=$(cd "$(dirname "$0")/.." && pwd)\nls "$ROOT/docs/../README.md" "$(node_base 1)/home/x"\n',
    }
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        for name, text in clean.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        found = list(findings(root))
        if found:
            sys.exit("check-self-contained: self-test: a clean tree was refused:\n  " + "\n  ".join(found))
        for name, text in planted.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
            if not any(line.startswith(f"{name}:") for line in findings(root)):
                sys.exit(f"check-self-contained: self-test: the planted {name} ({text.strip()}) was not caught")
            (root / name).unlink()
    print(f"check-self-contained: self-test passed ({len(planted)} planted findings caught, clean tree accepted)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=THIS_FILE.parent.parent)
    parser.add_argument("--self-test", action="store_true")
    arguments = parser.parse_args()
    if arguments.self_test:
        self_test()
        return
    found = list(findings(arguments.root))
    if found:
        print("check-self-contained: these files refer to paths outside the repository, which a fresh clone does "
              "not have; keep everything the project needs inside it:", file=sys.stderr)
        for line in found:
            print(f"  {line}", file=sys.stderr)
        sys.exit(1)
    print("check-self-contained: every tracked file refers only to paths inside the repository")


if __name__ == "__main__":
    main()
