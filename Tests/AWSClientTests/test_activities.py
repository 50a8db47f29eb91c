"""Activities through boto3 and the aws CLI against the built orchestrator: the Activity API, workers polling
with GetActivityTask and answering with the token, and the Activity* history events AWS records."""
import concurrent.futures
import json
import time
import uuid

import botocore.exceptions
import pytest

from test_aws_clients import aws, client, wait_for_status

ROLE = "arn:aws:iam::123456789012:role/baton"


def activity_machine(sfn, activity_arn, timeout=None, heartbeat=None, name=None):
    task = {"Type": "Task", "Resource": activity_arn, "Parameters": {"job.$": "$.job"}, "End": True}
    if timeout:
        task["TimeoutSeconds"] = timeout
    if heartbeat:
        task["HeartbeatSeconds"] = heartbeat
    definition = {"StartAt": "Work", "States": {"Work": task}}
    return sfn.create_state_machine(
        name=name or "act-" + uuid.uuid4().hex[:8], definition=json.dumps(definition), roleArn=ROLE
    )["stateMachineArn"]


def events(sfn, execution):
    return sfn.get_execution_history(executionArn=execution)["events"]


def test_activity_api_shapes_and_errors(activity_orchestrator):
    sfn = client(activity_orchestrator)
    name = "orders-" + uuid.uuid4().hex[:8]
    created = sfn.create_activity(name=name)
    assert created["activityArn"] == f"arn:aws:states:us-east-1:123456789012:activity:{name}"
    # Idempotent by name, as on AWS.
    assert sfn.create_activity(name=name)["activityArn"] == created["activityArn"]
    described = sfn.describe_activity(activityArn=created["activityArn"])
    assert described["name"] == name
    assert described["creationDate"] == created["creationDate"]
    assert described["encryptionConfiguration"] == {"type": "AWS_OWNED_KEY"}
    listed = [a for page in sfn.get_paginator("list_activities").paginate(PaginationConfig={"PageSize": 1})
              for a in page["activities"]]
    assert created["activityArn"] in [a["activityArn"] for a in listed]
    with pytest.raises(sfn.exceptions.InvalidName):
        sfn.create_activity(name="bad name")
    with pytest.raises(sfn.exceptions.InvalidArn) as invalid:
        sfn.describe_activity(activityArn="no_an_activity_arn")
    assert "Invalid ARN prefix: no_an_activity_arn" in str(invalid.value)
    sfn.delete_activity(activityArn=created["activityArn"])
    sfn.delete_activity(activityArn=created["activityArn"])  # deleting twice succeeds, as on AWS
    with pytest.raises(sfn.exceptions.ActivityDoesNotExist):
        sfn.describe_activity(activityArn=created["activityArn"])
    with pytest.raises(sfn.exceptions.ActivityDoesNotExist):
        sfn.get_activity_task(activityArn=created["activityArn"])
    # The aws CLI reads the same answers.
    cli = aws(activity_orchestrator, "create-activity", "--name", name + "-cli")
    assert cli["activityArn"].endswith(":activity:" + name + "-cli")
    assert aws(activity_orchestrator, "describe-activity", "--activity-arn", cli["activityArn"])["name"] == name + "-cli"


def test_a_boto3_worker_polls_heartbeats_and_answers(activity_orchestrator):
    sfn = client(activity_orchestrator)
    activity = sfn.create_activity(name="work-" + uuid.uuid4().hex[:8])["activityArn"]
    machine = activity_machine(sfn, activity, timeout=60, heartbeat=10)
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"job": 7}))["executionArn"]
    task = sfn.get_activity_task(activityArn=activity, workerName="py-worker")
    assert json.loads(task["input"]) == {"job": 7}
    sfn.send_task_heartbeat(taskToken=task["taskToken"])
    sfn.send_task_success(taskToken=task["taskToken"], output=json.dumps({"done": 7}))
    assert wait_for_status(sfn, execution)["status"] == "SUCCEEDED"
    history = events(sfn, execution)
    assert [e["type"] for e in history] == [
        "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivitySucceeded",
        "TaskStateExited", "ExecutionSucceeded"]
    scheduled = history[2]["activityScheduledEventDetails"]
    assert scheduled["resource"] == activity
    assert json.loads(scheduled["input"]) == {"job": 7}
    assert scheduled["timeoutInSeconds"] == 60 and scheduled["heartbeatInSeconds"] == 10
    assert history[3]["activityStartedEventDetails"] == {"workerName": "py-worker"}
    assert json.loads(history[4]["activitySucceededEventDetails"]["output"]) == {"done": 7}
    # The token was handed out once and used: a second answer is refused.
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=task["taskToken"], output="{}")


def test_failures_timeouts_empty_polls_and_missing_activities(activity_orchestrator):
    sfn = client(activity_orchestrator)
    activity = sfn.create_activity(name="fail-" + uuid.uuid4().hex[:8])["activityArn"]
    # Nothing waits: the poll answers without a token after the poll time.
    started = time.monotonic()
    assert "taskToken" not in sfn.get_activity_task(activityArn=activity)
    assert time.monotonic() - started >= 1.5
    # A failure the worker reports: ActivityFailed with its error and cause.
    failing = sfn.start_execution(stateMachineArn=activity_machine(sfn, activity), input='{"job": 1}')["executionArn"]
    task = sfn.get_activity_task(activityArn=activity)
    sfn.send_task_failure(taskToken=task["taskToken"], error="Programmatic Error", cause="it broke")
    failed = wait_for_status(sfn, failing)
    assert failed["status"] == "FAILED" and failed["error"] == "Programmatic Error"
    history = events(sfn, failing)
    assert [e["type"] for e in history][-2:] == ["ActivityFailed", "ExecutionFailed"]
    assert history[-2]["activityFailedEventDetails"] == {"error": "Programmatic Error", "cause": "it broke"}
    # No poller within TimeoutSeconds: ActivityTimedOut, and the stale task is never handed out.
    timing_out = sfn.start_execution(
        stateMachineArn=activity_machine(sfn, activity, timeout=1), input='{"job": 2}')["executionArn"]
    assert wait_for_status(sfn, timing_out)["error"] == "States.Timeout"
    history = events(sfn, timing_out)
    assert [e["type"] for e in history][-2:] == ["ActivityTimedOut", "ExecutionFailed"]
    assert history[-2]["activityTimedOutEventDetails"] == {"error": "States.Timeout"}
    assert "ActivityStarted" not in [e["type"] for e in history]
    assert "taskToken" not in sfn.get_activity_task(activityArn=activity)
    # A poller that takes a task and dies: the token was given out once, HeartbeatSeconds closes the task.
    abandoned = sfn.start_execution(
        stateMachineArn=activity_machine(sfn, activity, timeout=60, heartbeat=1), input='{"job": 4}')["executionArn"]
    taken = sfn.get_activity_task(activityArn=activity, workerName="dies")
    assert json.loads(taken["input"]) == {"job": 4}
    assert wait_for_status(sfn, abandoned)["error"] == "States.Timeout"
    history = events(sfn, abandoned)
    assert [e["type"] for e in history][-3:] == ["ActivityStarted", "ActivityTimedOut", "ExecutionFailed"]
    assert "taskToken" not in sfn.get_activity_task(activityArn=activity)
    # An activity that does not exist: States.Runtime, as AWS records it (nothing scheduled).
    gone = sfn.create_activity(name="gone-" + uuid.uuid4().hex[:8])["activityArn"]
    machine = activity_machine(sfn, gone)
    sfn.delete_activity(activityArn=gone)
    missing = sfn.start_execution(stateMachineArn=machine, input='{"job": 3}')["executionArn"]
    described = wait_for_status(sfn, missing)
    assert described["error"] == "States.Runtime"
    assert described["cause"] == (
        "An error occurred while executing the state 'Work' (entered at the event id #2). "
        f"The activity {gone} does not exist.")
    assert [e["type"] for e in events(sfn, missing)] == ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"]


def test_pollers_share_an_activity_and_each_task_is_handed_out_once(activity_orchestrator):
    sfn = client(activity_orchestrator)
    activity = sfn.create_activity(name="shared-" + uuid.uuid4().hex[:8])["activityArn"]
    machine = activity_machine(sfn, activity, timeout=60)
    executions = [sfn.start_execution(stateMachineArn=machine, input=json.dumps({"job": n}))["executionArn"]
                  for n in range(8)]

    def worker(name):
        own = client(activity_orchestrator)
        got = []
        while True:
            task = own.get_activity_task(activityArn=activity, workerName=name)
            if "taskToken" not in task:
                return got
            got.append(json.loads(task["input"])["job"])
            own.send_task_success(taskToken=task["taskToken"], output=json.dumps({"by": name}))

    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(worker, ["w1", "w2", "w3"]))
    jobs = sorted(job for got in results for job in got)
    assert jobs == list(range(8))
    for execution in executions:
        assert wait_for_status(sfn, execution)["status"] == "SUCCEEDED"
        started = [e for e in events(sfn, execution) if e["type"] == "ActivityStarted"]
        assert len(started) == 1
