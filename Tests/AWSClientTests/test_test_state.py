"""TestState through real clients: boto3 (with inject_host_prefix=False) and the aws CLI (with
AWS_DISABLE_HOST_PREFIX_INJECTION) against the built orchestrator, and `baton test-state` over the broker.

AWS's service model gives TestState the host prefix `sync-`, so an unconfigured client pointed at
http://127.0.0.1:PORT calls http://sync-127.0.0.1:PORT/; the first test shows that, the others use the settings
README.md documents."""
import json
import os
import pathlib
import subprocess
import sys

import boto3
import botocore.config
import botocore.exceptions
import botocore.session
import pytest

from conftest import bin_dir

ROLE = "arn:aws:iam::123456789012:role/baton"
MODEL = botocore.session.get_session().get_service_model("stepfunctions").operation_model("TestState")

CALLBACK_TASK = {
    "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
    "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/approvals",
                   "MessageBody": {"order.$": "$.order", "TaskToken.$": "$$.Task.Token"}},
    "ResultPath": "$.approval", "Next": "Ship",
    "Retry": [{"ErrorEquals": ["Approver.Busy"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 3.0}],
    "Catch": [{"ErrorEquals": ["Approver.Rejected"], "ResultPath": "$.rejection", "Next": "Cancel"}],
}


def sfn(system, inject_host_prefix=False):
    return boto3.client(
        "stepfunctions", endpoint_url=system.url, region_name="us-east-1",
        config=botocore.config.Config(retries={"max_attempts": 1}, inject_host_prefix=inject_host_prefix))


def check_shape(response):
    """Every field of the answer is one botocore's TestStateOutput has, with the model's type."""
    members = MODEL.output_shape.members
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    assert set(body) <= set(members), set(body) - set(members)
    assert body["status"] in members["status"].enum
    for name in ("output", "error", "cause", "nextState"):
        if name in body:
            assert isinstance(body[name], str)
    data = body.get("inspectionData", {})
    data_members = members["inspectionData"].members
    assert set(data) <= set(data_members), set(data) - set(data_members)
    for name, value in data.items():
        kind = data_members[name].type_name
        expected = {"string": str, "integer": int, "float": float, "structure": dict}[kind]
        assert isinstance(value, expected), (name, value)


def test_an_unconfigured_client_calls_the_sync_prefixed_host(orchestrator):
    client = sfn(orchestrator, inject_host_prefix=True)
    with pytest.raises(botocore.exceptions.EndpointConnectionError) as failure:
        client.test_state(definition=json.dumps({"Type": "Pass", "End": True}))
    assert "sync-127.0.0.1" in str(failure.value)


@pytest.mark.parametrize("level", ["INFO", "DEBUG", "TRACE"])
def test_inspection_levels_of_a_pass_state(orchestrator, level):
    state = {"Type": "Pass", "InputPath": "$.initialData",
             "Parameters": {"staticValue": "some value", "inputValue.$": "$.fieldFromInput"},
             "ResultPath": "$.modifiedData", "Next": "After"}
    given = {"initialData": {"fieldFromInput": "value from input", "otherField": "other"}}
    response = sfn(orchestrator).test_state(
        definition=json.dumps(state), input=json.dumps(given), inspectionLevel=level)
    check_shape(response)
    assert response["status"] == "SUCCEEDED"
    assert response["nextState"] == "After"
    modified = {"staticValue": "some value", "inputValue": "value from input"}
    assert json.loads(response["output"]) == {**given, "modifiedData": modified}
    if level == "INFO":
        assert "inspectionData" not in response
    else:
        data = response["inspectionData"]
        assert json.loads(data["input"]) == given
        assert json.loads(data["afterInputPath"]) == given["initialData"]
        assert json.loads(data["afterParameters"]) == modified
        assert json.loads(data["afterResultSelector"]) == modified
        assert json.loads(data["afterResultPath"]) == {**given, "modifiedData": modified}
        # TRACE adds the HTTP request and response of HTTP Tasks only; a Pass state has none.
        assert "request" not in data and "response" not in data


def test_a_mocked_wait_for_task_token_task(orchestrator):
    response = sfn(orchestrator).test_state(
        definition=json.dumps(CALLBACK_TASK), input=json.dumps({"order": 42}), inspectionLevel="DEBUG",
        mock={"result": json.dumps({"approved": True})})
    check_shape(response)
    assert response["status"] == "SUCCEEDED"
    assert response["nextState"] == "Ship"
    assert json.loads(response["output"]) == {"order": 42, "approval": {"approved": True}}
    parameters = json.loads(response["inspectionData"]["afterParameters"])
    assert parameters["MessageBody"]["order"] == 42
    assert parameters["MessageBody"]["TaskToken"]
    assert json.loads(response["inspectionData"]["result"]) == {"approved": True}


def test_a_mocked_error_caught_by_catch(orchestrator):
    response = sfn(orchestrator).test_state(
        definition=json.dumps(CALLBACK_TASK), input=json.dumps({"order": 42}), inspectionLevel="DEBUG",
        mock={"errorOutput": {"error": "Approver.Rejected", "cause": "over budget"}})
    check_shape(response)
    assert response["status"] == "CAUGHT_ERROR"
    assert response["nextState"] == "Cancel"
    assert (response["error"], response["cause"]) == ("Approver.Rejected", "over budget")
    assert json.loads(response["output"]) == {
        "order": 42, "rejection": {"Error": "Approver.Rejected", "Cause": "over budget"}}
    assert response["inspectionData"]["errorDetails"] == {"catchIndex": 0}


def test_a_mocked_error_matched_by_retry(orchestrator):
    client = sfn(orchestrator)
    busy = {"errorOutput": {"error": "Approver.Busy", "cause": "try later"}}
    given = json.dumps({"order": 7})
    first = client.test_state(definition=json.dumps(CALLBACK_TASK), input=given, inspectionLevel="DEBUG", mock=busy)
    check_shape(first)
    assert first["status"] == "RETRIABLE"
    assert "nextState" not in first and "output" not in first
    assert first["inspectionData"]["errorDetails"] == {"retryIndex": 0, "retryBackoffIntervalSeconds": 2}
    third = client.test_state(definition=json.dumps(CALLBACK_TASK), input=given, inspectionLevel="DEBUG", mock=busy,
                              stateConfiguration={"retrierRetryCount": 2})
    assert third["status"] == "RETRIABLE"
    assert third["inspectionData"]["errorDetails"]["retryBackoffIntervalSeconds"] == 18
    spent = client.test_state(definition=json.dumps(CALLBACK_TASK), input=given, inspectionLevel="DEBUG", mock=busy,
                              stateConfiguration={"retrierRetryCount": 3})
    assert spent["status"] == "FAILED"
    assert spent["error"] == "Approver.Busy"
    assert spent["inspectionData"]["errorDetails"] == {"retryIndex": 0}
    # A path the state's Parameters cannot resolve fails the state itself (States.Runtime is never retried).
    broken = client.test_state(definition=json.dumps(CALLBACK_TASK), mock=busy)
    assert (broken["status"], broken["error"]) == ("FAILED", "States.Runtime")


def test_choice_next_state_in_a_whole_machine(orchestrator):
    machine = {"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.cost", "NumericLessThan": 10, "Next": "Approved"}],
                  "Default": "AskForApproval"},
        "AskForApproval": {"Type": "Pass", "Next": "Approved"},
        "Approved": {"Type": "Succeed"}}}
    client = sfn(orchestrator)
    small = client.test_state(definition=json.dumps(machine), stateName="Check", input='{"cost": 9}')
    assert (small["status"], small["nextState"]) == ("SUCCEEDED", "Approved")
    large = client.test_state(definition=json.dumps(machine), stateName="Check", input='{"cost": 10}')
    assert large["nextState"] == "AskForApproval"
    with pytest.raises(client.exceptions.ValidationException) as missing:
        client.test_state(definition=json.dumps(machine), stateName="Nope")
    assert "State not found in definition" in str(missing.value)


def test_a_jsonata_state_with_variables(orchestrator):
    state = {"QueryLanguage": "JSONata", "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Arguments": {"FunctionName": "price", "Payload": "{% $states.input.items %}"},
             "Output": "{% $states.result.Payload.total * $rate %}",
             "Assign": {"total": "{% $states.result.Payload.total %}"}, "End": True}
    response = sfn(orchestrator).test_state(
        definition=json.dumps(state), input=json.dumps({"items": [1, 2]}), variables=json.dumps({"rate": 2}),
        inspectionLevel="DEBUG", mock={"result": json.dumps({"Payload": {"total": 21}})})
    check_shape(response)
    assert response["status"] == "SUCCEEDED"
    assert json.loads(response["output"]) == 42
    data = response["inspectionData"]
    assert json.loads(data["afterArguments"]) == {"FunctionName": "price", "Payload": [1, 2]}
    assert json.loads(data["variables"]) == {"rate": 2, "total": 21}
    assert "afterInputPath" not in data


def test_refusals_arrive_as_the_modeled_exceptions(orchestrator):
    client = sfn(orchestrator)
    with pytest.raises(client.exceptions.InvalidDefinition):
        client.test_state(definition=json.dumps({"Type": "Sleep"}))
    with pytest.raises(client.exceptions.ValidationException) as both:
        client.test_state(definition=json.dumps(CALLBACK_TASK),
                          mock={"result": "{}", "errorOutput": {"error": "E"}})
    assert "only one of the following fields" in str(both.value)
    with pytest.raises(client.exceptions.ValidationException) as no_role:
        client.test_state(definition=json.dumps(CALLBACK_TASK))
    assert "RoleArn must be specified" in str(no_role.value)
    with pytest.raises(client.exceptions.InvalidExecutionInput):
        client.test_state(definition=json.dumps({"Type": "Pass", "End": True}), input="{oops")


def test_aws_cli_with_host_prefix_injection_disabled(orchestrator, tmp_path):
    definition = tmp_path / "state.json"
    definition.write_text(json.dumps(CALLBACK_TASK))
    env = dict(os.environ, AWS_DISABLE_HOST_PREFIX_INJECTION="true")
    command = ["aws", "stepfunctions", "--endpoint-url", orchestrator.url, "--output", "json", "test-state",
               "--definition", f"file://{definition}", "--input", '{"order": 1}', "--role-arn", ROLE,
               "--inspection-level", "DEBUG", "--mock", json.dumps({"errorOutput": {"error": "Approver.Rejected"}})]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["status"] == "CAUGHT_ERROR"
    assert answer["nextState"] == "Cancel"
    without = subprocess.run(command, capture_output=True, text=True, timeout=60,
                             env={k: v for k, v in env.items() if k != "AWS_DISABLE_HOST_PREFIX_INJECTION"})
    assert without.returncode != 0
    assert "sync-127.0.0.1" in without.stderr


def baton(system, *args):
    """Runs `baton ARGS` against the orchestrator over the broker's command queue."""
    env = dict(os.environ, BATON_QUEUE_PREFIX=system.prefix)
    return subprocess.run([str(bin_dir() / "baton"), *args], capture_output=True, text=True, timeout=60, env=env)


def test_baton_test_state_over_the_command_queue(orchestrator, tmp_path):
    definition = tmp_path / "approve.json"
    definition.write_text(json.dumps(CALLBACK_TASK))
    caught = baton(orchestrator, "test-state", "--definition", str(definition), "--input", '{"order": 3}',
                   "--mock-error", "Approver.Rejected", "--mock-cause", "no", "--inspection-level", "DEBUG", "--json")
    assert caught.returncode == 0, caught.stderr
    answer = json.loads(caught.stdout)
    assert (answer["status"], answer["nextState"]) == ("CAUGHT_ERROR", "Cancel")
    assert answer["inspectionData"]["errorDetails"] == {"catchIndex": 0}
    succeeded = baton(orchestrator, "test-state", "--definition", str(definition), "--input", '{"order": 3}',
                      "--mock-result", '{"approved": true}', "--inspection-level", "DEBUG")
    assert succeeded.returncode == 0, succeeded.stderr
    lines = succeeded.stdout.splitlines()
    assert any(line.split() == ["status", "SUCCEEDED"] for line in lines), succeeded.stdout
    assert any(line.split() == ["nextState", "Ship"] for line in lines), succeeded.stdout
    assert any(line.strip().startswith("afterParameters") for line in lines), succeeded.stdout
    machine = json.dumps({"StartAt": "Stop", "States": {"Stop": {"Type": "Fail", "Error": "Halt", "Cause": "c"}}})
    failed = baton(orchestrator, "test-state", "--definition", machine, "--state-name", "Stop", "--json")
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["error"] == "Halt"
    refused = baton(orchestrator, "test-state", "--definition", str(definition))
    assert refused.returncode != 0
    assert "RoleArn must be specified" in refused.stderr


def in_hosts_namespace(hosts_file, *command):
    """Runs a command in a private mount namespace whose /etc/hosts is `hosts_file` (the machine's stays as it is).
    Needs root, as the project's machines and CI run."""
    script = 'mount --bind "$0" /etc/hosts && exec "$@"'
    result = subprocess.run(["unshare", "-m", "sh", "-c", script, str(hosts_file), *command],
                            capture_output=True, text=True, timeout=60)
    if "unshare" in result.stderr and result.returncode != 0 and "Operation not permitted" in result.stderr:
        pytest.fail("this test needs root to give its clients their own /etc/hosts (unshare -m): " + result.stderr)
    return result


def test_a_hosts_entry_for_the_sync_name_serves_unconfigured_clients(orchestrator, tmp_path):
    """README's second setup: `127.0.0.1 sync-localhost` in /etc/hosts and the endpoint http://localhost:PORT;
    boto3 and the aws CLI then reach TestState with no client setting."""
    hosts = tmp_path / "hosts"
    hosts.write_text(pathlib.Path("/etc/hosts").read_text() + "\n127.0.0.1 sync-localhost\n")
    endpoint = orchestrator.url.replace("127.0.0.1", "localhost")
    code = ("import boto3, json, sys; "
            "c = boto3.client('stepfunctions', endpoint_url=sys.argv[1], region_name='us-east-1'); "
            "print(json.dumps(c.test_state(definition=json.dumps({'Type': 'Pass', 'Next': 'B'}), input='{\"a\": 1}')))")
    with_boto3 = in_hosts_namespace(hosts, sys.executable, "-c", code, endpoint)
    assert with_boto3.returncode == 0, with_boto3.stderr
    answer = json.loads(with_boto3.stdout)
    assert (answer["status"], answer["nextState"], answer["output"]) == ("SUCCEEDED", "B", '{"a":1}')
    with_cli = in_hosts_namespace(
        hosts, "aws", "stepfunctions", "--endpoint-url", endpoint, "--output", "json", "test-state",
        "--definition", json.dumps({"Type": "Choice", "Choices": [
            {"Variable": "$.a", "NumericEquals": 1, "Next": "One"}], "Default": "Other"}), "--input", '{"a": 1}')
    assert with_cli.returncode == 0, with_cli.stderr
    assert json.loads(with_cli.stdout)["nextState"] == "One"
