#!/usr/bin/env python3
"""Runs docker-compose.yml's services without Docker, to prove the compose wiring itself, not just its syntax.

It starts a private RabbitMQ node (scripts/rabbitmq-node.sh, ports apart from the test and demo nodes), loads
deploy/rabbitmq/definitions.json into it exactly as the compose rabbitmq service does (rendered by
deploy/rabbitmq/entrypoint.sh with the passwords of .env.example) and deletes the guest user, so every service
connects as its own least-privileged user. Then it launches each Baton service of the default profile — its
`command`, its `environment`, `deploy.replicas` copies — from the built binaries, with only what a container
changes mapped: service host names to loopback (rabbitmq:5672 → the private node, approver:8090 → a free local
port), listen addresses 0.0.0.0:PORT to 127.0.0.1:free port, and the image's paths (/opt/baton/statemachines,
/var/lib/baton) to the checkout and a temporary directory. Finally it runs the `demo` service (`baton demo`) and
passes when every seed scenario ends as expected, no service exited, and no broker access was refused.
The services log JSON at debug level (BATON_LOG_FORMAT/BATON_LOG_LEVEL, as .env would set them), and the test
checks that the callbacks worker-function and legacy-system sent carried the W3C traceparent `baton demo` started
the executions with (StartExecution traceHeader → task header → callback header).
Every Baton service serves Prometheus /metrics (BATON_METRICS_ADDRESS; each replica on its own local port, as each
container has its own network); deploy/prometheus/prometheus.yml must scrape each on that port, and after the demo
every process is scraped and its counters must have moved (executions started and finished, callbacks accepted in
the orchestrator; tasks received in every worker service).

  scripts/compose-wiring-test.py --bin-dir .build/debug [--keep]
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compose_model  # noqa: E402

ROOT = compose_model.ROOT
NODE = {
    "BATON_RMQ_NODE": "baton-compose@localhost",
    "BATON_RMQ_PORT": os.environ.get("BATON_COMPOSE_RMQ_PORT", "5691"),
    "BATON_RMQ_DIST_PORT": os.environ.get("BATON_COMPOSE_RMQ_DIST_PORT", "25691"),
    "BATON_RMQ_EPMD_PORT": os.environ.get("BATON_COMPOSE_RMQ_EPMD_PORT", "4391"),
    "BATON_RMQ_BASE": str(ROOT / ".rabbitmq" / "compose-wiring"),
}
IMAGE_PATHS = {"/opt/baton/statemachines": str(ROOT / "deploy" / "statemachines")}


def log(message):
    print(f"compose-wiring-test: {message}", flush=True)


def node(*arguments, check=True):
    environment = dict(os.environ, **NODE)
    result = subprocess.run(
        [str(ROOT / "scripts" / "rabbitmq-node.sh"), *arguments], env=environment, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise SystemExit(f"compose-wiring-test: rabbitmq-node.sh {' '.join(arguments)} failed:\n{result.stderr}")
    return result.stdout.strip()


_handed_out = set()


def free_port():
    """A free loopback port not handed out before in this run (two services once got the same one: the kernel may
    give a just-closed ephemeral port again)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def check_dockerfile():
    """The image paths the mapping assumes are the ones deploy/Dockerfile creates."""
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    for needle in ["COPY deploy/statemachines/ /opt/baton/statemachines/", "/usr/local/bin/", "/var/lib/baton"]:
        if needle not in dockerfile:
            raise SystemExit(f"compose-wiring-test: deploy/Dockerfile no longer has '{needle}'; update this test")


class Mapper:
    """Turns a container's environment into a local one."""

    def __init__(self, model, data_dir, broker_port):
        self.data_dir = data_dir
        self.hosts = {"rabbitmq:5672": f"127.0.0.1:{broker_port}"}
        self.listen = {}
        for name, service in model["services"].items():
            for key, value in compose_model.environment(service).items():
                match = re.fullmatch(r"0\.0\.0\.0:(\d+)", value)
                if match:
                    port = free_port()
                    self.listen[(name, key)] = f"127.0.0.1:{port}"
                    self.hosts[f"{name}:{match.group(1)}"] = f"127.0.0.1:{port}"

    def environment(self, name, service):
        mapped = {}
        for key, value in compose_model.environment(service).items():
            value = self.listen.get((name, key), value)
            for host, local in self.hosts.items():
                value = re.sub(rf"(?<=[/@]){re.escape(host)}(?=[/]|$)", local, value)
            for image_path, local in IMAGE_PATHS.items():
                value = value.replace(image_path, local)
            value = value.replace("/var/lib/baton", str(self.data_dir))
            mapped[key] = value
        return mapped


def trace_problems(logs):
    """Callbacks sent by worker-function and legacy-system must carry a W3C traceparent; the answers to activity
    tasks are the exception (GetActivityTask gives a worker only the token and the input, as on AWS), one per
    `activity task answered` line."""
    import json

    problems = []
    for stem, message in [("worker-function", "callback published"), ("legacy-system", "callback published")]:
        traced = untraced = activity_answers = 0
        for path in logs.glob(f"{stem}-*.log"):
            for line in path.read_text(errors="replace").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("msg") == "activity task answered":
                    activity_answers += 1
                if entry.get("msg") != message:
                    continue
                if re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-01", entry.get("traceparent", "")):
                    traced += 1
                else:
                    untraced += 1
        if traced == 0 or untraced > activity_answers:
            problems.append(f"{stem}: {traced} callbacks with the task's traceparent, {untraced} without")
    return problems


def metrics_wiring_problems(model, services):
    """Every long-running Baton service serves /metrics, and deploy/prometheus/prometheus.yml scrapes it there."""
    import yaml

    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    targets = set()
    for job in config.get("scrape_configs", []):
        for static in job.get("static_configs", []):
            targets.update(static.get("targets", []))
        for dns in job.get("dns_sd_configs", []):
            targets.update(f"{name}:{dns.get('port')}" for name in dns.get("names", []))
    problems = []
    for name, service in services.items():
        if compose_model.command(service)[0] == "baton":
            continue
        address = compose_model.environment(service).get("BATON_METRICS_ADDRESS", "")
        match = re.fullmatch(r"0\.0\.0\.0:(\d+)", address)
        if not match:
            problems.append(f"{name}: BATON_METRICS_ADDRESS should be 0.0.0.0:PORT, not '{address}'")
        elif f"{name}:{match.group(1)}" not in targets:
            problems.append(f"deploy/prometheus/prometheus.yml does not scrape {name}:{match.group(1)}")
    return problems


def scrape(address):
    """One scrape of a process's /metrics: {sample with labels: value}."""
    import urllib.request

    with urllib.request.urlopen(f"http://{address}/metrics", timeout=10) as response:
        text = response.read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            sample, _, value = line.rpartition(" ")
            samples[sample] = float(value)
    return samples


def total(samples, name, **labels):
    """The sum of `name` over the samples whose labels include `labels`."""
    result = 0.0
    for sample, value in samples.items():
        base, _, rest = sample.partition("{")
        if base == name and all(f'{key}="{wanted}"' in rest for key, wanted in labels.items()):
            result += value
    return result


def metrics_problems(addresses):
    """Scrapes every process; the counters of what the demo did must have moved."""
    problems, by_service = [], {}
    for label, address in addresses.items():
        try:
            by_service.setdefault(label.rsplit("-", 1)[0], []).append(scrape(address))
        except OSError as error:
            problems.append(f"{label}: /metrics on {address} did not answer: {error}")
    expectations = {
        "orchestrator": [("baton_executions_started_total", {}), ("baton_executions_finished_total", {}),
                         ("baton_callbacks_accepted_total", {})],
        "worker-function": [("baton_worker_tasks_received_total", {}),
                            ("baton_worker_callbacks_sent_total", {"outcome": "accepted"})],
        "worker-silent": [("baton_worker_tasks_received_total", {})],
        "legacy-system": [("baton_worker_tasks_received_total", {})],
        "approver": [("baton_worker_tasks_received_total", {})],
    }
    for service, checks in expectations.items():
        scrapes = by_service.get(service, [])
        for name, labels in checks:
            value = sum(total(samples, name, **labels) for samples in scrapes)
            if value <= 0:
                problems.append(f"{service}: {name}{json.dumps(labels) if labels else ''} is {value:g} after the demo")
            else:
                log(f"{service}: {name}{json.dumps(labels) if labels else ''} = {value:g}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", type=Path, required=True, help="where the built executables are")
    parser.add_argument("--keep", action="store_true", help="keep the logs and data directory")
    arguments = parser.parse_args()
    bin_dir = arguments.bin_dir.resolve()
    check_dockerfile()
    secrets = compose_model.read_dotenv(compose_model.ENV_EXAMPLE)
    model = compose_model.load(overrides={**secrets, "BATON_LOG_FORMAT": "json", "BATON_LOG_LEVEL": "debug"})
    work = Path(tempfile.mkdtemp(prefix="baton-compose-"))
    (work / "logs").mkdir()
    processes = []
    shutil.rmtree(NODE["BATON_RMQ_BASE"], ignore_errors=True)
    try:
        node("start")
        definitions = work / "definitions.json"
        subprocess.run(
            ["sh", str(ROOT / "deploy" / "rabbitmq" / "entrypoint.sh"), "--render",
             str(ROOT / "deploy" / "rabbitmq" / "definitions.json"), str(definitions)],
            env=dict(os.environ, **secrets), check=True)
        node("ctl", "import_definitions", str(definitions))
        node("ctl", "delete_user", "guest")
        log(f"private node on 127.0.0.1:{NODE['BATON_RMQ_PORT']} with deploy/rabbitmq/definitions.json, no guest")
        mapper = Mapper(model, work / "data", NODE["BATON_RMQ_PORT"])
        services = {name: service for name, service in model["services"].items()
                    if service.get("image") == "baton:local" and not service.get("profiles")}
        wiring = metrics_wiring_problems(model, services)
        if wiring:
            for problem in wiring:
                log(f"FAIL {problem}")
            raise SystemExit(1)
        metrics_addresses = {}
        for name, service in services.items():
            if name == "demo":
                continue
            argv = compose_model.command(service)
            replicas = int((service.get("deploy") or {}).get("replicas", 1))
            environment = mapper.environment(name, service)
            for directory in [value for key, value in environment.items() if key == "BATON_DATA_DIR"]:
                Path(directory).mkdir(parents=True, exist_ok=True)
            for replica in range(1, replicas + 1):
                if replica > 1:  # each container has its own network: locally, each replica its own port
                    environment = dict(environment, **{key: f"127.0.0.1:{free_port()}"
                                                       for (owner, key) in mapper.listen if owner == name})
                if "BATON_METRICS_ADDRESS" in environment:
                    metrics_addresses[f"{name}-{replica}"] = environment["BATON_METRICS_ADDRESS"]
                logfile = open(work / "logs" / f"{name}-{replica}.log", "w")
                env = {"PATH": os.environ.get("PATH", ""), "HOME": str(work), **environment}
                process = subprocess.Popen([str(bin_dir / argv[0]), *argv[1:]], env=env, cwd=work,
                                           stdout=logfile, stderr=subprocess.STDOUT)
                processes.append((f"{name}-{replica}", process))
        log("started " + ", ".join(label for label, _ in processes))
        demo = services["demo"]
        argv = compose_model.command(demo)
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(work), **mapper.environment("demo", demo)}
        result = subprocess.run([str(bin_dir / argv[0]), *argv[1:]], env=env, cwd=work, text=True,
                                capture_output=True, timeout=240)
        print(result.stdout, end="")
        problems = []
        if result.returncode != 0:
            problems.append(f"`{' '.join(argv)}` exited {result.returncode}: {result.stderr.strip()[-2000:]}")
        for label, process in processes:
            if process.poll() is not None:
                problems.append(f"{label} exited with status {process.returncode} during the demo")
        for path in sorted((work / "logs").glob("*.log")):
            text = path.read_text(errors="replace")
            # Broker refusals by their reply texts (a bare "403" would match timestamps such as 15:45:15.403).
            for pattern in ["ACCESS_REFUSED", "access refused", "PRECONDITION_FAILED", "NOT_ALLOWED"]:
                if re.search(rf"\b{pattern}\b", text):
                    problems.append(f"{path.stem} logged {pattern}: see {path}")
                    arguments.keep = True
                    break
        problems += trace_problems(work / "logs")
        problems += metrics_problems(metrics_addresses)
        if problems:
            arguments.keep = True
            for problem in problems:
                log(f"FAIL {problem}")
            for path in sorted((work / "logs").glob("*.log")):
                print(f"--- {path.name} (last lines)\n" + "\n".join(path.read_text(errors="replace").splitlines()[-15:]))
            raise SystemExit(1)
        log("PASS: the compose services, run from their commands and environments with per-service broker users, "
            "ran every seed scenario as expected")
    finally:
        for _, process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.time() + 15
        for _, process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                process.kill()
        node("stop", check=False)
        if arguments.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(NODE["BATON_RMQ_BASE"], ignore_errors=True)


if __name__ == "__main__":
    main()
