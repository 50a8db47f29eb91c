"""The real `aws stepfunctions` CLI and boto3 against the built orchestrator's HTTP API (--endpoint-url)."""
import json
import os
import subprocess
import time
import uuid

import boto3
import botocore.config
import botocore.exceptions
import pytest

SEED1 = "arn:aws:states:us-east-1:123456789012:stateMachine:seed1"


def aws(system, *args, check=True, env=None):
    """Runs `aws stepfunctions --endpoint-url … ARGS`; returns the parsed JSON output (or the completed process)."""
    command = ["aws", "stepfunctions", "--endpoint-url", system.url, "--output", "json", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    if not check:
        return result
    assert result.returncode == 0, f"{' '.join(args)}: {result.stderr}"
    return json.loads(result.stdout) if result.stdout.strip() else {}


def client(system, key="dummy", secret="dummy"):
    return boto3.client(
        "stepfunctions", endpoint_url=system.url, region_name="us-east-1", aws_access_key_id=key,
        aws_secret_access_key=secret, config=botocore.config.Config(retries={"max_attempts": 1}))


def ensure_machine(sfn, system, name, seed="seed1-callback"):
    return sfn.create_state_machine(
        name=name, definition=system.seed(seed), roleArn="arn:aws:iam::123456789012:role/baton")["stateMachineArn"]


def task_token(sfn, execution, deadline=10):
    """The token in the TaskScheduled event's rendered MessageBody (the history is the client's view of it)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        for event in sfn.get_execution_history(executionArn=execution, reverseOrder=True)["events"]:
            if event["type"] == "TaskScheduled":
                parameters = json.loads(event["taskScheduledEventDetails"]["parameters"])
                return parameters["MessageBody"]["TaskToken"]
        time.sleep(0.05)
    raise AssertionError(f"no TaskScheduled event for {execution}")


def wait_for_status(sfn, execution, deadline=20):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    raise AssertionError(f"{execution} still RUNNING")


def test_cli_runs_the_seed_flow_verbatim(orchestrator, tmp_path):
    definition = tmp_path / "seed1.asl.json"
    definition.write_text(orchestrator.seed("seed1-callback"))
    created = aws(orchestrator, "create-state-machine", "--name", "seed1", "--definition", f"file://{definition}",
                  "--role-arn", "arn:aws:iam::123456789012:role/baton")
    assert created["stateMachineArn"] == SEED1
    # The seed's test command, verbatim but for --endpoint-url.
    started = aws(orchestrator, "start-execution", "--state-machine-arn", SEED1)
    execution = started["executionArn"]
    assert execution.startswith("arn:aws:states:us-east-1:123456789012:execution:seed1:")
    sfn = client(orchestrator)
    token = task_token(sfn, execution)
    aws(orchestrator, "send-task-heartbeat", "--task-token", token)
    aws(orchestrator, "send-task-success", "--task-token", token, "--task-output", '{"approved": true}')
    described = aws(orchestrator, "describe-execution", "--execution-arn", execution)
    assert described["status"] == "SUCCEEDED"
    late = aws(orchestrator, "send-task-success", "--task-token", token, "--task-output", "{}", check=False)
    assert late.returncode != 0 and "TaskTimedOut" in late.stderr
    history = aws(orchestrator, "get-execution-history", "--execution-arn", execution, "--reverse-order")
    assert history["events"][0]["type"] == "ExecutionSucceeded"
    assert history["events"][-1]["type"] == "ExecutionStarted"


def test_boto3_callbacks_and_the_late_callback_surfaces_as_task_timed_out(orchestrator):
    sfn = client(orchestrator)
    machine = ensure_machine(sfn, orchestrator, "boto-callbacks")
    ok = sfn.start_execution(stateMachineArn=machine, name="ok", input='{"order": 1}')
    token = task_token(sfn, ok["executionArn"])
    sfn.send_task_heartbeat(taskToken=token)
    sfn.send_task_success(taskToken=token, output='{"done": true}')
    described = wait_for_status(sfn, ok["executionArn"])
    assert described["status"] == "SUCCEEDED"
    assert described["startDate"] <= described["stopDate"]
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=token, output="{}")
    with pytest.raises(sfn.exceptions.InvalidToken):
        sfn.send_task_success(taskToken="not-a-token", output="{}")

    failing = sfn.start_execution(stateMachineArn=machine, name="failing")
    sfn.send_task_failure(taskToken=task_token(sfn, failing["executionArn"]), error="Boom", cause="worker said no")
    described = wait_for_status(sfn, failing["executionArn"])
    assert described["status"] == "FAILED" and described["error"] == "CallbackFailed"


def test_boto3_stops_executions_and_paginates(orchestrator):
    sfn = client(orchestrator)
    machine = ensure_machine(sfn, orchestrator, "boto-paging")
    executions = [sfn.start_execution(stateMachineArn=machine, name=f"run-{i}")["executionArn"] for i in range(5)]
    for execution in executions[:2]:
        stopped = sfn.stop_execution(executionArn=execution, error="Stopped", cause="by the test")
        assert stopped["stopDate"] is not None
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=task_token(sfn, executions[0]), output="{}")

    pages = list(sfn.get_paginator("list_executions").paginate(
        stateMachineArn=machine, PaginationConfig={"PageSize": 2}))
    assert len(pages) == 3
    assert sorted(e["executionArn"] for page in pages for e in page["executions"]) == sorted(executions)
    aborted = sfn.list_executions(stateMachineArn=machine, statusFilter="ABORTED")["executions"]
    assert sorted(e["executionArn"] for e in aborted) == sorted(executions[:2])

    history_pages = list(sfn.get_paginator("get_execution_history").paginate(
        executionArn=executions[0], reverseOrder=True, includeExecutionData=False, PaginationConfig={"PageSize": 1}))
    events = [event for page in history_pages for event in page["events"]]
    assert len(history_pages) == len(events) > 2
    assert events[0]["type"] == "ExecutionAborted" and events[-1]["type"] == "ExecutionStarted"
    assert "input" not in events[-1]["executionStartedEventDetails"]


def test_cli_paginates_list_executions(orchestrator):
    sfn = client(orchestrator)
    machine = ensure_machine(sfn, orchestrator, "cli-paging")
    for i in range(3):
        sfn.start_execution(stateMachineArn=machine, name=f"p{i}")
    everything = aws(orchestrator, "list-executions", "--state-machine-arn", machine, "--page-size", "1")
    assert len(everything["executions"]) == 3
    first = aws(orchestrator, "list-executions", "--state-machine-arn", machine, "--max-items", "2")
    assert len(first["executions"]) == 2 and first.get("NextToken")
    rest = aws(orchestrator, "list-executions", "--state-machine-arn", machine, "--starting-token", first["NextToken"])
    assert len(rest["executions"]) == 1
    running = aws(orchestrator, "list-executions", "--state-machine-arn", machine, "--status-filter", "RUNNING")
    assert len(running["executions"]) == 3


def test_errors_arrive_as_the_modeled_exceptions(orchestrator):
    sfn = client(orchestrator)
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.describe_execution(executionArn="arn:aws:states:us-east-1:123456789012:execution:none:none")
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.describe_execution(executionArn="not-an-arn")
    with pytest.raises(sfn.exceptions.InvalidDefinition):
        sfn.create_state_machine(name="bad", definition="{}", roleArn="arn:aws:iam::123456789012:role/baton")
    with pytest.raises(botocore.exceptions.ClientError) as unsupported:
        sfn.describe_map_run(mapRunArn="arn:aws:states:us-east-1:123456789012:mapRun:m/x:y")
    assert unsupported.value.response["Error"]["Code"] == "UnknownOperationException"
    assert unsupported.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


HAZARD = json.dumps({"StartAt": "Work", "States": {"Work": {
    "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
    "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/1/work", "MessageBody.$": "$"}, "End": True}}})


def test_validate_answers_callback_warnings_in_the_modeled_shape(orchestrator, tmp_path):
    sfn = client(orchestrator)
    assert sfn.validate_state_machine_definition(definition=HAZARD)["diagnostics"] == []
    warned = sfn.validate_state_machine_definition(definition=HAZARD, severity="WARNING", type="EXPRESS")
    assert warned["result"] == "OK" and warned["truncated"] is False
    assert [(d["severity"], d["code"], d["location"]) for d in warned["diagnostics"]] == [
        ("WARNING", "CALLBACK_WITHOUT_TIMEOUT", "/States/Work"),
        ("WARNING", "CALLBACK_WITHOUT_TASK_TOKEN", "/States/Work/Parameters"),
        ("WARNING", "EXPRESS_UNSUPPORTED_PATTERN", "/States/Work/Resource"),
    ]
    definition = tmp_path / "hazard.asl.json"
    definition.write_text(HAZARD)
    answer = aws(orchestrator, "validate-state-machine-definition", "--definition", f"file://{definition}",
                 "--severity", "WARNING", "--max-results", "1")
    assert answer["result"] == "OK" and answer["truncated"] is True
    assert [d["code"] for d in answer["diagnostics"]] == ["CALLBACK_WITHOUT_TIMEOUT"]


def test_signed_requests_pass_and_wrong_signatures_fail_with_403(signed_orchestrator):
    good = client(signed_orchestrator, "AKIDBATONTEST", "baton-test-secret")
    assert good.list_state_machines()["stateMachines"] == []
    for key, secret, code in [
        ("AKIDBATONTEST", "wrong-secret", "InvalidSignatureException"),
        ("AKIDSOMEONEELSE", "baton-test-secret", "UnrecognizedClientException"),
    ]:
        with pytest.raises(botocore.exceptions.ClientError) as refused:
            client(signed_orchestrator, key, secret).list_state_machines()
        assert refused.value.response["Error"]["Code"] == code
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDBATONTEST", AWS_SECRET_ACCESS_KEY="baton-test-secret")
    assert aws(signed_orchestrator, "list-state-machines", env=env) == {"stateMachines": []}
    env["AWS_SECRET_ACCESS_KEY"] = "wrong-secret"
    refused = aws(signed_orchestrator, "list-state-machines", env=env, check=False)
    assert refused.returncode != 0 and "InvalidSignatureException" in refused.stderr
