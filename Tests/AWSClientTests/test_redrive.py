"""RedriveExecution through boto3 and the aws CLI against the built orchestrator: the redrive fields of
DescribeExecution and ListExecutions, redriveFilter, the ExecutionRedriven event, new tokens after a redrive (the
old one refused), clientToken idempotency and the modeled errors."""
import json
import time
import uuid

import pytest

from test_aws_clients import aws, client, wait_for_status

ROLE = "arn:aws:iam::123456789012:role/baton"


def machine(sfn, system):
    queue = f"https://sqs.us-east-1.amazonaws.com/123456789012/{system.prefix}.redrive"
    definition = {"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": "ready", "ResultPath": "$.prepared", "Next": "Work"},
        "Work": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                 "Parameters": {"QueueUrl": queue, "MessageBody": {
                     "TaskToken.$": "$$.Task.Token", "redrives.$": "$$.Execution.RedriveCount"}},
                 "ResultPath": "$.work", "End": True}}}
    return sfn.create_state_machine(
        name="redrive-" + uuid.uuid4().hex[:8], definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]


def scheduled(sfn, execution, count, deadline=10):
    """The rendered MessageBody of each TaskScheduled event, once there are `count` of them."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        bodies = [json.loads(e["taskScheduledEventDetails"]["parameters"])["MessageBody"]
                  for e in sfn.get_execution_history(executionArn=execution)["events"] if e["type"] == "TaskScheduled"]
        if len(bodies) >= count:
            return bodies
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} TaskScheduled events in {execution}")


def listed(sfn, machine_arn, **filters):
    return {e["executionArn"]: e for e in sfn.list_executions(stateMachineArn=machine_arn, **filters)["executions"]}


def test_a_failed_execution_is_redriven_with_a_new_token_and_the_old_one_refused(orchestrator):
    sfn = client(orchestrator)
    machine_arn = machine(sfn, orchestrator)
    execution = sfn.start_execution(stateMachineArn=machine_arn, input='{"order": 5}')["executionArn"]
    other = sfn.start_execution(stateMachineArn=machine_arn)["executionArn"]
    first = scheduled(sfn, execution, 1)[0]
    assert first["redrives"] == 0
    sfn.send_task_failure(taskToken=first["TaskToken"], error="Outage", cause="no worker")
    failed = wait_for_status(sfn, execution)
    assert failed["status"] == "FAILED" and failed["error"] == "Outage"
    assert failed["redriveCount"] == 0 and failed["redriveStatus"] == "REDRIVABLE"
    assert "redriveDate" not in failed and "redriveStatusReason" not in failed
    running = sfn.describe_execution(executionArn=other)
    assert running["redriveStatus"] == "NOT_REDRIVABLE"
    assert running["redriveStatusReason"] == "Execution is RUNNING and cannot be redriven"
    assert listed(sfn, machine_arn)[execution]["redriveCount"] == 0
    assert execution in listed(sfn, machine_arn, redriveFilter="NOT_REDRIVEN")
    assert execution not in listed(sfn, machine_arn, redriveFilter="REDRIVEN")

    token = "retry-" + uuid.uuid4().hex
    redriven = sfn.redrive_execution(executionArn=execution, clientToken=token)
    # The same client token again answers the same redrive (idempotent) and changes nothing.
    assert sfn.redrive_execution(executionArn=execution, clientToken=token)["redriveDate"] == redriven["redriveDate"]
    with pytest.raises(sfn.exceptions.ExecutionNotRedrivable) as refused:
        sfn.redrive_execution(executionArn=execution)
    assert "Execution is RUNNING and cannot be redriven" in str(refused.value)
    described = sfn.describe_execution(executionArn=execution)
    assert described["status"] == "RUNNING" and described["redriveCount"] == 1
    assert described["redriveDate"] == redriven["redriveDate"]
    assert "stopDate" not in described and "error" not in described
    assert described["executionArn"] == execution, "the same ARN"

    again = scheduled(sfn, execution, 2)[1]
    assert again["TaskToken"] != first["TaskToken"] and again["redrives"] == 1
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=first["TaskToken"], output="{}")
    sfn.send_task_success(taskToken=again["TaskToken"], output='{"ok": true}')
    done = wait_for_status(sfn, execution)
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"order": 5, "prepared": "ready", "work": {"ok": True}}
    assert done["redriveStatus"] == "NOT_REDRIVABLE"
    assert done["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"

    types = [e["type"] for e in sfn.get_execution_history(executionArn=execution)["events"]]
    assert types == [
        "ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered", "TaskScheduled",
        "TaskStarted", "TaskSubmitted", "TaskFailed", "ExecutionFailed", "ExecutionRedriven", "TaskStateEntered",
        "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"
    ]
    redriven_event = next(e for e in sfn.get_execution_history(executionArn=execution)["events"]
                          if e["type"] == "ExecutionRedriven")
    assert redriven_event["executionRedrivenEventDetails"] == {"redriveCount": 1}
    assert types.count("PassStateEntered") == 1, "the state before the failure is not run again"

    redriven_list = listed(sfn, machine_arn, redriveFilter="REDRIVEN")
    assert list(redriven_list) == [execution]
    assert redriven_list[execution]["redriveCount"] == 1
    assert redriven_list[execution]["redriveDate"] == redriven["redriveDate"]
    assert execution not in listed(sfn, machine_arn, redriveFilter="NOT_REDRIVEN")
    with pytest.raises(sfn.exceptions.ExecutionNotRedrivable) as refused:
        sfn.redrive_execution(executionArn=execution)
    assert "Execution is SUCCEEDED and cannot be redriven" in str(refused.value)


def test_redrive_errors_and_the_aws_cli(orchestrator):
    sfn = client(orchestrator)
    machine_arn = machine(sfn, orchestrator)
    missing = machine_arn.replace(":stateMachine:", ":execution:") + ":nope"
    with pytest.raises(sfn.exceptions.ExecutionDoesNotExist):
        sfn.redrive_execution(executionArn=missing)
    with pytest.raises(sfn.exceptions.InvalidArn):
        sfn.redrive_execution(executionArn="not-an-arn")
    execution = sfn.start_execution(stateMachineArn=machine_arn)["executionArn"]
    scheduled(sfn, execution, 1)
    sfn.stop_execution(executionArn=execution, error="Outage")
    assert wait_for_status(sfn, execution)["status"] == "ABORTED"
    with pytest.raises(sfn.exceptions.ValidationException):
        sfn.redrive_execution(executionArn=execution, clientToken="has space")
    answer = aws(orchestrator, "redrive-execution", "--execution-arn", execution)
    assert "redriveDate" in answer
    token = scheduled(sfn, execution, 2)[1]["TaskToken"]
    sfn.send_task_success(taskToken=token, output="{}")
    assert wait_for_status(sfn, execution)["status"] == "SUCCEEDED"
    described = aws(orchestrator, "describe-execution", "--execution-arn", execution)
    assert described["redriveCount"] == 1
