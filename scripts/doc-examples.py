#!/usr/bin/env python3
"""Runs every shell example of README.md, docs/cli.md and docs/api-compatibility.md against a running demo, so each
runs as written.

  scripts/doc-examples.py              start scripts/demo.sh (its own data directory and free HTTP ports, on the
                                       private node the BATON_RMQ_* variables name), run the examples, stop the demo
  scripts/doc-examples.py --list       print the examples and what would be skipped, run nothing

An example is a fenced block marked ```sh; each runs on its own in `bash -euo pipefail`, from the checkout, in the
environment a reader has after following README: no BATON_AMQP_URL and no PATH to the build (the examples set them),
only the BATON_RMQ_* variables that scripts/rabbitmq-node.sh reads, as the reader's shell has them. Where the demo
runs on other ports than the defaults (a demo or another run may hold 8083 and 8090), `localhost:8083` /
`127.0.0.1:8083` in an example is replaced by the orchestrator's API address and BATON_APPROVER_URL is set.
A block preceded by `<!-- example: skip REASON -->` is not run and the reason is printed. A fenced block without a
language fails the check: every block says whether it is an example (sh) or not (text, json, python, …).
Prints `N passed, N failed, N skipped` and exits 1 when an example failed.
"""

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ["README.md", "docs/cli.md", "docs/api-compatibility.md"]
FENCE = re.compile(r"^```(\S*)\s*$")
SKIP = re.compile(r"^<!--\s*example:\s*skip\s+(.+?)\s*-->\s*$")
EXAMPLE_TIMEOUT = 90


def log(message):
    print(f"doc-examples: {message}", flush=True)


def examples():
    """(file, line, code, skip reason or None) for every sh block; fails on a fence without a language."""
    found, errors = [], []
    for name in FILES:
        lines = (ROOT / name).read_text().splitlines()
        index = 0
        while index < len(lines):
            match = FENCE.match(lines[index])
            if not match:
                index += 1
                continue
            language, start = match.group(1), index
            end = next((j for j in range(index + 1, len(lines)) if lines[j].startswith("```")), len(lines))
            if not language:
                errors.append(f"{name}:{start + 1}: a fenced block without a language (sh for an example, else text)")
            elif language in ("sh", "bash", "shell"):
                previous = next((lines[j] for j in range(start - 1, -1, -1) if lines[j].strip()), "")
                skip = SKIP.match(previous)
                found.append((name, start + 1, "\n".join(lines[start + 1:end]), skip.group(1) if skip else None))
            index = end + 1
    return found, errors


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_demo(data, api, approver):
    environment = dict(os.environ, BATON_DEMO_DATA=str(data), NO_COLOR="1", BATON_API_ADDRESS=api,
                       BATON_APPROVER_ADDRESS=approver, BATON_APPROVER_URL=f"http://{approver}")
    environment.pop("BATON_AMQP_URL", None)  # the demo finds its node through BATON_RMQ_*
    output = open(data / "demo.out", "w")
    demo = subprocess.Popen([str(ROOT / "scripts" / "demo.sh")], cwd=ROOT, env=environment, stdout=output,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 900  # a first build included
    while time.monotonic() < deadline:
        text = (data / "demo.out").read_text(errors="replace")
        if "The system keeps running" in text:
            return demo
        if demo.poll() is not None:
            break
        time.sleep(0.2)
    print((data / "demo.out").read_text(errors="replace")[-4000:], file=sys.stderr)
    stop_demo(demo)
    raise SystemExit("doc-examples: scripts/demo.sh did not come up (its output is above)")


def stop_demo(demo):
    if demo.poll() is None:
        os.killpg(demo.pid, signal.SIGINT)  # demo.sh's Ctrl-C: it stops what it started
        try:
            demo.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)


def reader_environment(approver):
    """What a reader's shell has: the system's PATH and HOME, the node settings, the approver's URL."""
    keep = {key: value for key, value in os.environ.items()
            if key.startswith("BATON_RMQ_") or key in ("HOME", "LANG", "TMPDIR", "USER")}
    keep["PATH"] = os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")
    # The aws CLI where scripts/aws-client-tests.sh installs it (pip --user), as a reader who ran pip would have it.
    user_bin = subprocess.run([sys.executable, "-m", "site", "--user-base"], capture_output=True, text=True).stdout
    if user_bin.strip() and Path(user_bin.strip(), "bin", "aws").exists():
        keep["PATH"] = f"{user_bin.strip()}/bin:{keep['PATH']}"
    keep["BATON_APPROVER_URL"] = f"http://{approver}"
    return keep


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--list", action="store_true", help="print the examples, run nothing")
    arguments = parser.parse_args()
    found, errors = examples()
    for error in errors:
        log(f"FAIL {error}")
    if arguments.list:
        for name, line, code, skip in found:
            print(f"{name}:{line}: {'SKIP ' + skip if skip else 'run'}\n  " + code.replace("\n", "\n  "))
        return 1 if errors else 0

    passed, failed, skipped = 0, len(errors), 0
    with tempfile.TemporaryDirectory(prefix="baton-doc-examples-") as scratch:
        data = Path(scratch)
        api, approver = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
        log(f"starting scripts/demo.sh (API {api}, approver {approver})")
        demo = start_demo(data, api, approver)
        try:
            for name, line, code, skip in found:
                where = f"{name}:{line}"
                if skip:
                    skipped += 1
                    log(f"SKIP {where}: {skip}")
                    continue
                script = re.sub(r"(localhost|127\.0\.0\.1):8083", api, code)
                started = time.monotonic()
                try:
                    run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT,
                                         env=reader_environment(approver), capture_output=True, text=True,
                                         timeout=EXAMPLE_TIMEOUT)
                    status, output = run.returncode, run.stdout + run.stderr
                except subprocess.TimeoutExpired as timeout:
                    status = "timeout"
                    output = (timeout.stdout or b"").decode(errors="replace") if isinstance(timeout.stdout, bytes) \
                        else (timeout.stdout or "")
                seconds = time.monotonic() - started
                if status == 0:
                    passed += 1
                    log(f"ok   {where} ({seconds:.1f} s)")
                else:
                    failed += 1
                    log(f"FAIL {where}: exit {status} after {seconds:.1f} s\n--- example\n{code}\n--- output\n"
                        f"{output[-3000:]}\n---")
        finally:
            stop_demo(demo)
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
