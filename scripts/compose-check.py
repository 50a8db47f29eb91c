#!/usr/bin/env python3
"""Static checks of docker-compose.yml and deploy/, for a machine without a Docker engine (scripts/test.sh runs it):

  1. docker-compose.yml is a valid compose file as Docker Compose v2 itself says (`docker compose config --quiet`:
     the Compose Specification and interpolation with .env.example; scripts/compose-v2.sh finds or fetches the
     binary, no Docker engine needed), and has no `version:` key; a deliberately broken file is refused by it;
  2. every executable a Baton service runs is one of the package's products (and is built, with --bin-dir);
  3. every BATON_* variable compose sets is read somewhere in Sources/; every ${VAR} compose interpolates is
     in .env.example; no password or key is written into docker-compose.yml;
  4. deploy/rabbitmq/definitions.json parses, every user has permissions, and the guest user is absent;
  5. the scale-out override deploy/compose.scale.yml, merged onto docker-compose.yml, passes 1-3 too, and
     deploy/rabbitmq/definitions.quorum.json is definitions.json with quorum queues (--write-quorum-definitions
     regenerates it).

  scripts/compose-check.py [--bin-dir DIR] [--write-quorum-definitions]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compose_model  # noqa: E402

ROOT = compose_model.ROOT
BATON_IMAGE = "baton:local"
EXECUTABLES = {"orchestrator", "worker-function", "legacy-system", "approver", "baton"}
failures = []


def fail(message):
    failures.append(message)
    print(f"compose-check: FAIL {message}", file=sys.stderr)


def compose_binary():
    """A Docker Compose v2 binary (scripts/compose-v2.sh finds one or fetches Debian 13's package)."""
    found = subprocess.run([str(ROOT / "scripts" / "compose-v2.sh")], capture_output=True, text=True)
    if found.returncode != 0:
        sys.exit(f"compose-check: no Compose v2 to validate with:\n{found.stderr.strip()}")
    return found.stdout.strip()


def compose_config(compose, files, directory=ROOT):
    """`docker compose config --quiet` over FILES, interpolated with .env.example and nothing from this
    environment: Compose v2 checks the Compose Specification and the interpolation. Returns (ok, message)."""
    argv = [compose, "--project-directory", str(directory), "--env-file", str(compose_model.ENV_EXAMPLE)]
    for path in files:
        argv += ["-f", str(path)]
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    done = subprocess.run(argv + ["config", "--quiet"], capture_output=True, text=True, env=environment)
    return done.returncode == 0, (done.stderr or done.stdout).strip()


def check_specification(compose, files, model):
    ok, message = compose_config(compose, files)
    if not ok:
        fail(f"{' + '.join(Path(f).name for f in files)} is not a valid compose file (Compose v2 says): {message}")
    if "version" in model:
        fail("the Compose Specification has no `version:` key; remove it")


def check_validator_refuses(compose):
    """The validation must be able to fail: Compose v2 refuses a service with a key the specification lacks."""
    with tempfile.TemporaryDirectory() as directory:
        broken = Path(directory) / "compose.yml"
        broken.write_text("services:\n  probe:\n    image: busybox\n    not_a_compose_key: 1\n")
        ok, _ = compose_config(compose, [broken], Path(directory))
        if ok:
            fail(f"{compose} accepted a service with an unknown key; it cannot be trusted to validate")


def baton_services(model):
    return {name: service for name, service in model["services"].items() if service.get("image") == BATON_IMAGE}


def check_executables(model, bin_dir):
    package = (ROOT / "Package.swift").read_text()
    products = set(re.findall(r'\.executable\(name:\s*"([^"]+)"', package))
    for name, service in baton_services(model).items():
        argv = compose_model.command(service)
        if not argv:
            fail(f"{name}: no command (the image has no entrypoint; name the executable)")
            continue
        executable = argv[0]
        if executable not in EXECUTABLES or executable not in products:
            fail(f"{name}: runs '{executable}', which is not one of the package's executables {sorted(products)}")
        elif bin_dir and not (bin_dir / executable).is_file():
            fail(f"{name}: '{executable}' is not built in {bin_dir}")
        if executable == "baton" and bin_dir and len(argv) > 1 and (bin_dir / "baton").is_file():
            help_text = subprocess.run([str(bin_dir / "baton"), "--help"], capture_output=True, text=True).stdout
            if not re.search(rf"^\s+{re.escape(argv[1])}\s", help_text, re.MULTILINE):
                message = f"{name}: `baton {argv[1]}` is not a baton subcommand"
                if service.get("profiles"):  # opt-in services may wait for a subcommand still being written
                    print(f"compose-check: warning: {message} (profile {', '.join(service['profiles'])})")
                else:
                    fail(message)


def check_variables(model, raw_texts=None):
    sources = "\n".join(path.read_text(errors="replace") for path in (ROOT / "Sources").rglob("*.swift"))
    for name, service in baton_services(model).items():
        for variable in compose_model.environment(service):
            if variable.startswith("BATON_") and not re.search(rf"\b{variable}\b", sources):
                fail(f"{name}: sets {variable}, which no file under Sources/ reads")
            elif not variable.startswith("BATON_"):
                fail(f"{name}: sets {variable}; Baton's processes read only BATON_* variables")
    example = compose_model.read_dotenv(compose_model.ENV_EXAMPLE)
    for file_name, raw in (raw_texts or {"docker-compose.yml": compose_model.raw_text()}).items():
        for variable in sorted(set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", raw))):
            if variable not in example:
                fail(f"{file_name} interpolates ${{{variable}}}, which .env.example does not list")
        for line_number, line in enumerate(raw.splitlines(), 1):
            secret = re.match(r"\s*[A-Z_]*(PASSWORD|TOKEN_KEY|CREDENTIALS|SECRET|COOKIE)[A-Z_]*:\s*(\S+)", line)
            if secret and not secret.group(2).startswith("${"):
                fail(f"{file_name}:{line_number}: a secret written in the file; take it from .env")
            if re.search(r"amqp://[^:@/]+:[^$@/][^@]*@", line):
                fail(f"{file_name}:{line_number}: a broker password written in the file; take it from .env")


# What each user must (True) and must not (False) be allowed, as (permission, resource name). Each service's
# declares, publishes and consumes are allowed; nothing lets a worker consume callbacks or commands, start
# executions, publish events, or create queues outside its own; the orchestrator touches no reply queue but
# its own (baton.replies.orchestrator-*). Publishing to a queue goes through the default exchange (resource amq.default).
EXPECTED = {
    "orchestrator": [
        ("configure", "baton.callbacks", True), ("configure", "baton.function.echo", True),
        ("configure", "baton.events", True), ("configure", "baton.dead-letter", True),
        ("read", "baton.callbacks", True), ("read", "baton.commands", True), ("write", "amq.default", True),
        ("write", "baton.events", True), ("write", "baton.dead-letter", True),
        ("configure", "baton.replies.0f3c", False), ("read", "baton.replies.0f3c", False),
        ("configure", "baton.replies.client-0f3c-11", False), ("read", "baton.replies.client-0f3c-11", False),
        # A shard's own reply queue, for the commands it sends other shards (BATON_SHARDS > 1).
        ("configure", "baton.replies.orchestrator-0f3c-11", True),
        ("read", "baton.replies.orchestrator-0f3c-11", True),
        ("configure", "other.queue", False),
    ],
    "worker-function": [
        ("configure", "baton.function.echo", True), ("configure", "baton.seed1", True),
        ("read", "baton.function.echo", True), ("read", "baton.seed1", True), ("write", "amq.default", True),
        ("configure", "baton.replies.0f3c-11", True), ("read", "baton.replies.0f3c-11", True),
        ("read", "baton.callbacks", False), ("read", "baton.commands", False), ("read", "baton.jobs", False),
        ("read", "baton.approvals", False), ("configure", "baton.commands", False),
        ("configure", "baton.events", False), ("write", "baton.events", False),
    ],
    "legacy-system": [
        ("read", "baton.jobs", True), ("read", "baton.legacy.callbacks", True), ("write", "amq.default", True),
        ("read", "baton.callbacks", False), ("read", "baton.seed1", False), ("read", "baton.approvals", False),
        ("write", "baton.events", False),
    ],
    "approver": [
        ("read", "baton.approvals", True), ("write", "amq.default", True),
        # its own event queue, bound to baton.events to close the requests of executions that ended
        ("configure", "baton.events", True), ("read", "baton.events", True),
        ("configure", "baton.replies.0f3c-11", True), ("write", "baton.replies.0f3c-11", True),
        ("read", "baton.callbacks", False), ("read", "baton.jobs", False), ("read", "baton.commands", False),
        ("write", "baton.events", False),
    ],
    "baton": [
        ("write", "amq.default", True), ("configure", "baton.replies.0f3c", True),
        ("read", "baton.replies.0f3c", True), ("configure", "baton.events", True),
        ("configure", "chaos-crash-1a2b3c.callbacks", True), ("configure", "other.queue", False),
    ],
}


def check_definitions():
    path = ROOT / "deploy" / "rabbitmq" / "definitions.json"
    definitions = json.loads(path.read_text())
    users = {user["name"] for user in definitions["users"]}
    if "guest" in users:
        fail("definitions.json: the guest user must not exist")
    permitted = {permission["user"] for permission in definitions["permissions"]}
    for user in users - permitted:
        fail(f"definitions.json: user {user} has no permissions")
    permissions = {permission["user"]: permission for permission in definitions["permissions"]}
    for user, expectations in EXPECTED.items():
        for kind, resource, allowed in expectations:
            # RabbitMQ matches the regex anywhere in the name (re:run), like Python's re.search.
            if bool(re.search(permissions[user][kind], resource)) != allowed:
                fail(f"definitions.json: {user} should {'' if allowed else 'not '}have {kind} on {resource}")
    for user in definitions["users"]:
        if not re.fullmatch(r"@RABBITMQ_[A-Z]+_PASSWORD@", user.get("password", "")):
            fail(f"definitions.json: user {user['name']}'s password must be a placeholder filled from .env")


SCALE_FILE = ROOT / "deploy" / "compose.scale.yml"
QUORUM_DEFINITIONS = ROOT / "deploy" / "rabbitmq" / "definitions.quorum.json"


def quorum_definitions():
    """definitions.json with every queue a quorum queue, and at-least-once dead-lettering (which RabbitMQ accepts
    only with x-overflow reject-publish) on the dead-lettered ones — what BATON_QUEUE_TYPE=quorum declares."""
    definitions = json.loads((ROOT / "deploy" / "rabbitmq" / "definitions.json").read_text())
    for queue in definitions["queues"]:
        arguments = queue.setdefault("arguments", {})
        arguments["x-queue-type"] = "quorum"
        if "x-dead-letter-exchange" in arguments:
            arguments["x-dead-letter-strategy"] = "at-least-once"
            arguments["x-overflow"] = "reject-publish"
    return json.dumps(definitions, indent=2) + "\n"


def check_scale(compose, bin_dir):
    try:
        model = compose_model.load(extra_files=(SCALE_FILE,))
    except compose_model.InterpolationError as error:
        fail(f"compose.scale.yml: interpolation with .env.example failed: {error}")
        return
    check_specification(compose, [compose_model.COMPOSE_FILE, SCALE_FILE], model)
    check_executables(model, bin_dir)
    check_variables(model, {"deploy/compose.scale.yml": SCALE_FILE.read_text()})
    overridden = compose_model.yaml.safe_load(SCALE_FILE.read_text())["services"]
    for name, service in baton_services(model).items():
        environment = compose_model.environment(service)
        if name in overridden and environment.get("BATON_QUEUE_TYPE", "classic") != "quorum":
            fail(f"compose.scale.yml: {name} talks to the cluster without BATON_QUEUE_TYPE=quorum")
    if not QUORUM_DEFINITIONS.exists() or QUORUM_DEFINITIONS.read_text() != quorum_definitions():
        fail("deploy/rabbitmq/definitions.quorum.json is not definitions.json with quorum queues; "
             "run scripts/compose-check.py --write-quorum-definitions")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", type=Path, help="where the built executables are (checks they exist)")
    parser.add_argument("--write-quorum-definitions", action="store_true",
                        help="regenerate deploy/rabbitmq/definitions.quorum.json from definitions.json and exit")
    arguments = parser.parse_args()
    if arguments.write_quorum_definitions:
        QUORUM_DEFINITIONS.write_text(quorum_definitions())
        print(f"compose-check: wrote {QUORUM_DEFINITIONS.relative_to(ROOT)}")
        return
    try:
        model = compose_model.load()
    except compose_model.InterpolationError as error:
        sys.exit(f"compose-check: interpolation with .env.example failed: {error}")
    compose = compose_binary()
    check_validator_refuses(compose)
    check_specification(compose, [compose_model.COMPOSE_FILE], model)
    check_executables(model, arguments.bin_dir)
    check_variables(model)
    check_definitions()
    check_scale(compose, arguments.bin_dir)
    if failures:
        sys.exit(f"compose-check: {len(failures)} problem(s)")
    services = ", ".join(model["services"])
    print(f"compose-check: docker-compose.yml valid (Compose v2, {compose_version(compose)}); services {services}; "
          "executables, BATON_* variables, .env.example and definitions.json consistent; deploy/compose.scale.yml "
          "merged onto it valid, with quorum definitions")


def compose_version(compose):
    return subprocess.run([compose, "version", "--short"], capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    main()
