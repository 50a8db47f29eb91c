"""Fixtures for the real-client tests: the built orchestrator, started per session with a fresh queue prefix,
data directory and a free API port, against the broker in BATON_AMQP_URL (scripts/test.sh provides one)."""
import json
import os
import pathlib
import re
import signal
import subprocess
import tempfile
import time
import uuid

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def bin_dir():
    if os.environ.get("BATON_BIN_DIR"):
        return pathlib.Path(os.environ["BATON_BIN_DIR"])
    out = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True)
    return pathlib.Path(out.stdout.strip())


class Orchestrator:
    """One orchestrator process; `url` is its Step Functions API."""

    def __init__(self, credentials=None, environment=None):
        amqp = os.environ.get("BATON_AMQP_URL")
        if not amqp:
            pytest.fail("BATON_AMQP_URL is not set: run scripts/test.sh, or start scripts/rabbitmq-node.sh and export its url")
        self.prefix = "awscli-" + uuid.uuid4().hex[:10]
        self.directory = tempfile.mkdtemp(prefix=f"baton-{self.prefix}-")
        self.log_path = pathlib.Path(self.directory) / "orchestrator.log"
        env = dict(os.environ)
        env.update({
            "BATON_AMQP_URL": amqp, "BATON_QUEUE_PREFIX": self.prefix,
            "BATON_DATA_DIR": str(pathlib.Path(self.directory) / "data"),
            "BATON_API_ADDRESS": "127.0.0.1:0", "BATON_LOG_LEVEL": "info",
        })
        env.pop("BATON_API_CREDENTIALS", None)
        if credentials:
            env["BATON_API_CREDENTIALS"] = credentials
        env.update(environment or {})
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen([str(bin_dir() / "orchestrator")], env=env, stdout=self.log, stderr=self.log)
        self.url = self._wait_for_address(deadline=30)

    def _wait_for_address(self, deadline):
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            text = self.log_path.read_text()
            if "orchestrator ready" in text:
                match = re.search(r"api listening address=(\S+)", text)
                if match:
                    return "http://" + match.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        pytest.fail("the orchestrator did not report its API address:\n" + self.log_path.read_text()[-4000:])

    def seed(self, name):
        """A seed definition from deploy/statemachines with its QueueUrl under this run's prefix."""
        definition = json.loads((ROOT / "deploy" / "statemachines" / f"{name}.asl.json").read_text())
        for state in definition["States"].values():
            params = state.get("Parameters", {})
            if "QueueUrl" in params:
                params["QueueUrl"] = f"https://sqs.us-east-1.amazonaws.com/123456789012/{self.prefix}.{name}"
        return json.dumps(definition)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@pytest.fixture(scope="session")
def orchestrator():
    system = Orchestrator()
    yield system
    system.stop()


@pytest.fixture(scope="session")
def activity_orchestrator():
    """An orchestrator whose GetActivityTask gives up after 2 s (AWS: 60 s), so empty polls are quick to test."""
    system = Orchestrator(environment={"BATON_ACTIVITY_POLL_SECONDS": "2"})
    yield system
    system.stop()


@pytest.fixture(scope="session")
def signed_orchestrator():
    system = Orchestrator(credentials="AKIDBATONTEST:baton-test-secret")
    yield system
    system.stop()


@pytest.fixture(autouse=True)
def dummy_aws_environment(monkeypatch, tmp_path):
    """Dummy credentials and region, and no user configuration, for both the CLI and boto3."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "dummy")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "dummy")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_PAGER", "")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
