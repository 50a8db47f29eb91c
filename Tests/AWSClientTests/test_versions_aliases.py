"""Versions, aliases, tags and DescribeStateMachineForExecution through the real boto3 and aws CLI against the
built orchestrator; every raw answer is checked against botocore's service model."""
import collections
import json
import os
import pathlib
import signal
import subprocess
import time
import uuid

import boto3
import botocore.config
import botocore.exceptions
import botocore.session
import pytest

from conftest import Orchestrator, bin_dir
from test_aws_clients import wait_for_status

ROLE = "arn:aws:iam::123456789012:role/baton"
ROLE2 = "arn:aws:iam::123456789012:role/baton-two"
MODEL = botocore.session.get_session().get_service_model("stepfunctions")


# ---------------------------------------------------------------------------------------------------------------
# Shape checking against botocore's model, on the raw JSON the orchestrator sent (boto3's parser drops members the
# model does not know, so its parsed answer cannot show an extra member).

def check_shape(shape, value, path):
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), f"{path}: expected an object, got {value!r}"
        for key, member in value.items():
            assert key in shape.members, f"{path}: member '{key}' is not in {shape.name}"
            check_shape(shape.members[key], member, f"{path}.{key}")
        for required in shape.required_members:
            assert required in value, f"{path}: required member '{required}' of {shape.name} is missing"
    elif kind == "list":
        assert isinstance(value, list), f"{path}: expected a list, got {value!r}"
        for index, item in enumerate(value):
            check_shape(shape.member, item, f"{path}[{index}]")
    elif kind == "map":
        assert isinstance(value, dict), f"{path}: expected a map"
        for key, item in value.items():
            check_shape(shape.key, key, f"{path}.key")
            check_shape(shape.value, item, f"{path}[{key}]")
    elif kind == "string":
        assert isinstance(value, str), f"{path}: expected a string, got {value!r}"
        limits = shape.metadata
        if "enum" in limits:
            assert value in limits["enum"], f"{path}: {value!r} is not one of {limits['enum']}"
        if "min" in limits:
            assert len(value) >= limits["min"], f"{path}: shorter than {limits['min']}"
        if "max" in limits:
            assert len(value) <= limits["max"], f"{path}: longer than {limits['max']}"
    elif kind == "timestamp":
        assert isinstance(value, (int, float)) and not isinstance(value, bool), f"{path}: not an epoch number"
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), f"{path}: not an integer: {value!r}"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{path}: not a boolean"
    else:
        raise AssertionError(f"{path}: unexpected shape type {kind}")


class ShapeRecorder:
    """Keeps every raw successful answer of a boto3 client, checked against the operation's output shape."""

    def __init__(self, sfn):
        self.checked = collections.Counter()
        sfn.meta.events.register("after-call", self._after_call)

    def _after_call(self, http_response, parsed, model, **kwargs):
        if http_response.status_code != 200:
            return
        body = json.loads(http_response.content or b"{}")
        output = model.output_shape
        if output is None:
            assert body == {}, f"{model.name}: expected an empty answer, got {body}"
        else:
            check_shape(output, body, model.name)
        self.checked[model.name] += 1


def client(system):
    return boto3.client(
        "stepfunctions", endpoint_url=system.url, region_name="us-east-1", aws_access_key_id="dummy",
        aws_secret_access_key="dummy", config=botocore.config.Config(retries={"max_attempts": 1}))


def raw_client(system):
    """A client that skips boto3's own parameter validation, so the server's checks are what answers."""
    return boto3.client(
        "stepfunctions", endpoint_url=system.url, region_name="us-east-1", aws_access_key_id="dummy",
        aws_secret_access_key="dummy",
        config=botocore.config.Config(retries={"max_attempts": 1}, parameter_validation=False))


def aws(system, *args):
    command = ["aws", "stepfunctions", "--endpoint-url", system.url, "--output", "json", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"{' '.join(args)}: {result.stderr}"
    return json.loads(result.stdout) if result.stdout.strip() else {}


def error_code(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(*args, **kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def pass_definition(result):
    return json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": True}}})


def callback_definition(system, marker):
    """Waits for a callback on an SQS-style task, then adds `marker` as `$.version` (which definition ran)."""
    return json.dumps({
        "StartAt": "Wait",
        "States": {
            "Wait": {
                "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": f"https://sqs.us-east-1.amazonaws.com/123456789012/{system.prefix}.versions",
                    "MessageBody": {"TaskToken.$": "$$.Task.Token"},
                },
                "TimeoutSeconds": 300, "Next": "Mark",
            },
            "Mark": {"Type": "Pass", "Result": marker, "ResultPath": "$.version", "End": True},
        },
    })


def follow(call, key, page_size=None, **kwargs):
    """Every item of a List call, following nextToken (botocore ships no paginator for ListStateMachineVersions or
    ListStateMachineAliases, so tools page them by hand as this does)."""
    items, token = [], None
    while True:
        arguments = dict(kwargs)
        if page_size:
            arguments["maxResults"] = page_size
        if token:
            arguments["nextToken"] = token
        page = call(**arguments)
        items += page[key]
        if page_size:
            assert len(page[key]) <= page_size
        token = page.get("nextToken")
        if not token:
            return items


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"




def task_token(sfn, execution, deadline=20):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        for event in sfn.get_execution_history(executionArn=execution, reverseOrder=True)["events"]:
            if event["type"] == "TaskScheduled":
                return json.loads(event["taskScheduledEventDetails"]["parameters"])["MessageBody"]["TaskToken"]
        time.sleep(0.05)
    raise AssertionError(f"no TaskScheduled event for {execution}")


# ---------------------------------------------------------------------------------------------------------------
# Versions

def test_versions_publish_list_describe_and_delete(orchestrator):
    sfn = client(orchestrator)
    shapes = ShapeRecorder(sfn)
    name = unique("versions")
    code, message = error_code(
        sfn.create_state_machine, name=name, definition=pass_definition("r1"), roleArn=ROLE,
        versionDescription="needs publish")
    assert (code, message) == ("ValidationException", "Version description can only be set when publish is true")

    created = sfn.create_state_machine(
        name=name, definition=pass_definition("r1"), roleArn=ROLE, publish=True, versionDescription="first")
    arn = created["stateMachineArn"]
    assert created["stateMachineVersionArn"] == f"{arn}:1"

    # Publishing the same revision again answers the same version; a stale revisionId is a conflict.
    again = sfn.publish_state_machine_version(stateMachineArn=arn)
    assert again["stateMachineVersionArn"] == f"{arn}:1"
    revision = sfn.describe_state_machine(stateMachineArn=arn)["revisionId"]
    updated = sfn.update_state_machine(stateMachineArn=arn, definition=pass_definition("r2"), roleArn=ROLE2)
    assert "stateMachineVersionArn" not in updated
    assert updated["revisionId"] != revision
    code, message = error_code(sfn.publish_state_machine_version, stateMachineArn=arn, revisionId=revision)
    assert code == "ConflictException", message
    second = sfn.publish_state_machine_version(
        stateMachineArn=arn, revisionId=updated["revisionId"], description="second")
    assert second["stateMachineVersionArn"] == f"{arn}:2"
    third = sfn.update_state_machine(
        stateMachineArn=arn, definition=pass_definition("r3"), publish=True, versionDescription="third")
    assert third["stateMachineVersionArn"] == f"{arn}:3"

    # Newest first, one version a page.
    listed = [item["stateMachineVersionArn"] for item in follow(
        sfn.list_state_machine_versions, "stateMachineVersions", page_size=1, stateMachineArn=arn)]
    assert listed == [f"{arn}:3", f"{arn}:2", f"{arn}:1"]

    # A version is an immutable snapshot: its definition, role and description.
    first = sfn.describe_state_machine(stateMachineArn=f"{arn}:1")
    assert first["stateMachineArn"] == f"{arn}:1"
    assert json.loads(first["definition"])["States"]["P"]["Result"] == "r1"
    assert (first["roleArn"], first["description"], first["name"]) == (ROLE, "first", name)
    version2 = sfn.describe_state_machine(stateMachineArn=f"{arn}:2")
    assert json.loads(version2["definition"])["States"]["P"]["Result"] == "r2"
    assert (version2["roleArn"], version2["description"]) == (ROLE2, "second")
    latest = sfn.describe_state_machine(stateMachineArn=arn)
    assert json.loads(latest["definition"])["States"]["P"]["Result"] == "r3" and "description" not in latest

    # Versions cannot be updated or deleted as state machines; deleting a version frees nothing for reuse.
    assert error_code(sfn.update_state_machine, stateMachineArn=f"{arn}:2", definition=pass_definition("x"))[0] \
        == "StateMachineDoesNotExist"
    assert error_code(sfn.delete_state_machine, stateMachineArn=f"{arn}:2")[0] == "ValidationException"
    assert error_code(sfn.delete_state_machine_version, stateMachineVersionArn=arn)[0] == "ValidationException"
    sfn.delete_state_machine_version(stateMachineVersionArn=f"{arn}:3")
    sfn.delete_state_machine_version(stateMachineVersionArn=f"{arn}:3")  # already gone: still succeeds
    assert error_code(sfn.describe_state_machine, stateMachineArn=f"{arn}:3")[0] == "StateMachineDoesNotExist"
    sfn.update_state_machine(stateMachineArn=arn, definition=pass_definition("r4"))
    assert sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"] == f"{arn}:4"
    listed = [v["stateMachineVersionArn"] for v in sfn.list_state_machine_versions(stateMachineArn=arn)[
        "stateMachineVersions"]]
    assert listed == [f"{arn}:4", f"{arn}:2", f"{arn}:1"]

    missing = arn + "-missing"
    assert error_code(sfn.publish_state_machine_version, stateMachineArn=missing)[0] == "StateMachineDoesNotExist"
    assert error_code(sfn.list_state_machine_versions, stateMachineArn="not-an-arn")[0] == "InvalidArn"
    assert error_code(sfn.list_state_machine_versions, stateMachineArn=arn, nextToken="bogus")[0] == "InvalidToken"
    for operation in ["CreateStateMachine", "PublishStateMachineVersion", "UpdateStateMachine",
                      "ListStateMachineVersions", "DescribeStateMachine", "DeleteStateMachineVersion"]:
        assert shapes.checked[operation] > 0, operation


def test_aliases_lifecycle_routing_rules_and_errors(orchestrator):
    sfn = client(orchestrator)
    raw = raw_client(orchestrator)
    shapes = ShapeRecorder(sfn)
    arn = sfn.create_state_machine(
        name=unique("aliases"), definition=pass_definition("a1"), roleArn=ROLE, publish=True)["stateMachineArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=pass_definition("a2"), publish=True)
    v1, v2 = f"{arn}:1", f"{arn}:2"

    created = sfn.create_state_machine_alias(
        name="prod", description="production", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}])
    alias = created["stateMachineAliasArn"]
    assert alias == f"{arn}:prod"
    # The same request again is idempotent; the same name with other routes or description is a conflict.
    assert sfn.create_state_machine_alias(
        name="prod", description="production",
        routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}])["stateMachineAliasArn"] == alias
    assert error_code(
        sfn.create_state_machine_alias, name="prod", description="production",
        routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 100}])[0] == "ConflictException"

    routing_errors = {
        "sum": [{"stateMachineVersionArn": v1, "weight": 70}, {"stateMachineVersionArn": v2, "weight": 29}],
        "three": [{"stateMachineVersionArn": v1, "weight": 50}, {"stateMachineVersionArn": v2, "weight": 30},
                  {"stateMachineVersionArn": f"{arn}:3", "weight": 20}],
        "duplicate": [{"stateMachineVersionArn": v1, "weight": 50}, {"stateMachineVersionArn": v1, "weight": 50}],
        "unqualified": [{"stateMachineVersionArn": arn, "weight": 100}],
        "too heavy": [{"stateMachineVersionArn": v1, "weight": 101}],
    }
    for reason, routing in routing_errors.items():
        code, message = error_code(raw.create_state_machine_alias, name="bad", routingConfiguration=routing)
        assert code == "ValidationException", (reason, code, message)
    assert "Sum of routing configuration weights must equal 100. Received: [70, 29]" == error_code(
        sfn.create_state_machine_alias, name="bad", routingConfiguration=routing_errors["sum"])[1]
    for name in ["123", "has space", "!bad", "a" * 81]:
        assert error_code(raw.create_state_machine_alias, name=name,
                          routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}])[0] \
            == "ValidationException", name
    assert error_code(
        sfn.create_state_machine_alias, name="ghost",
        routingConfiguration=[{"stateMachineVersionArn": f"{arn}:99", "weight": 100}])[0] == "ResourceNotFound"

    described = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert described["name"] == "prod" and described["description"] == "production"
    assert described["routingConfiguration"] == [{"stateMachineVersionArn": v1, "weight": 100}]
    sfn.update_state_machine_alias(
        stateMachineAliasArn=alias, routingConfiguration=[
            {"stateMachineVersionArn": v1, "weight": 50}, {"stateMachineVersionArn": v2, "weight": 50}])
    sfn.update_state_machine_alias(stateMachineAliasArn=alias, description="canary")
    described = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    assert described["description"] == "canary"
    assert [r["weight"] for r in described["routingConfiguration"]] == [50, 50]
    assert described["updateDate"] >= described["creationDate"]
    assert error_code(sfn.update_state_machine_alias, stateMachineAliasArn=f"{arn}:nope",
                      description="x")[0] == "ResourceNotFound"
    assert error_code(sfn.describe_state_machine_alias, stateMachineAliasArn=f"{arn}:nope")[0] == "ResourceNotFound"

    # A version an alias routes to cannot be deleted.
    code, message = error_code(sfn.delete_state_machine_version, stateMachineVersionArn=v2)
    assert code == "ConflictException" and "[prod]" in message

    sfn.create_state_machine_alias(name="beta", routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 100}])
    sfn.create_state_machine_alias(name="old", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}])
    assert [a["stateMachineAliasArn"] for a in follow(
        sfn.list_state_machine_aliases, "stateMachineAliases", page_size=1, stateMachineArn=arn)] == [
        alias, f"{arn}:beta", f"{arn}:old"]
    by_version = sfn.list_state_machine_aliases(stateMachineArn=v2)["stateMachineAliases"]
    assert [a["stateMachineAliasArn"] for a in by_version] == [alias, f"{arn}:beta"]

    sfn.delete_state_machine_alias(stateMachineAliasArn=f"{arn}:beta")
    sfn.delete_state_machine_alias(stateMachineAliasArn=f"{arn}:beta")  # already gone: still succeeds
    sfn.update_state_machine_alias(
        stateMachineAliasArn=alias, routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}])
    sfn.delete_state_machine_version(stateMachineVersionArn=v2)

    # At most 100 aliases per state machine.
    for index in range(98):  # with prod and old: 100
        sfn.create_state_machine_alias(
            name=f"many-{index}", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}])
    assert error_code(sfn.create_state_machine_alias, name="one-too-many",
                      routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}])[0] \
        == "ServiceQuotaExceededException"

    # Deleting the state machine deletes its versions and aliases.
    sfn.delete_state_machine(stateMachineArn=arn)
    assert error_code(sfn.describe_state_machine_alias, stateMachineAliasArn=alias)[0] == "ResourceNotFound"
    assert error_code(sfn.describe_state_machine, stateMachineArn=v1)[0] == "StateMachineDoesNotExist"
    for operation in ["CreateStateMachineAlias", "DescribeStateMachineAlias", "UpdateStateMachineAlias",
                      "DeleteStateMachineAlias", "ListStateMachineAliases"]:
        assert shapes.checked[operation] > 0, operation


def test_start_by_version_and_alias_reports_them_and_lists_by_them(orchestrator):
    sfn = client(orchestrator)
    shapes = ShapeRecorder(sfn)
    arn = sfn.create_state_machine(
        name=unique("start"), definition=pass_definition("s1"), roleArn=ROLE, publish=True)["stateMachineArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=pass_definition("s2"))
    sfn.create_state_machine_alias(name="live", routingConfiguration=[{"stateMachineVersionArn": f"{arn}:1",
                                                                       "weight": 100}])
    plain = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    by_version = sfn.start_execution(stateMachineArn=f"{arn}:1")["executionArn"]
    by_alias = sfn.start_execution(stateMachineArn=f"{arn}:live")["executionArn"]
    assert by_alias.split(":")[-2] == arn.split(":")[-1]  # execution ARNs name the state machine, unqualified

    outputs = {}
    for execution in [plain, by_version, by_alias]:
        described = wait_for_status(sfn, execution)
        assert described["status"] == "SUCCEEDED" and described["stateMachineArn"] == arn
        outputs[execution] = (json.loads(described["output"]), described.get("stateMachineVersionArn"),
                              described.get("stateMachineAliasArn"))
    assert outputs[plain] == ("s2", None, None)
    assert outputs[by_version] == ("s1", f"{arn}:1", None)
    assert outputs[by_alias] == ("s1", f"{arn}:1", f"{arn}:live")

    def listed(machine):
        return {e["executionArn"]: (e.get("stateMachineVersionArn"), e.get("stateMachineAliasArn"))
                for e in sfn.list_executions(stateMachineArn=machine)["executions"]}
    assert listed(arn) == {plain: (None, None), by_version: (f"{arn}:1", None),
                           by_alias: (f"{arn}:1", f"{arn}:live")}
    assert set(listed(f"{arn}:1")) == {by_version, by_alias}
    assert set(listed(f"{arn}:live")) == {by_alias}

    for qualified in [f"{arn}:7", f"{arn}:nosuch"]:
        assert error_code(sfn.start_execution, stateMachineArn=qualified)[0] == "StateMachineDoesNotExist"
    # An alias ARN names no state machine of its own (DescribeStateMachineAlias describes it).
    assert error_code(sfn.describe_state_machine, stateMachineArn=f"{arn}:live")[0] == "StateMachineDoesNotExist"
    for operation in ["StartExecution", "DescribeExecution", "ListExecutions"]:
        assert shapes.checked[operation] > 0, operation


def test_start_execution_by_alias_splits_by_weight(orchestrator):
    """400 starts through a 70/30 alias: the share of version 2 is a binomial(400, 0.3) draw, mean 120 and standard
    deviation 9.2; the accepted range 75..165 is ±4.9 sd (a correct split fails it about once in a million runs, a
    split that ignored the weights — all to one version, or 50/50 — never lands in it)."""
    sfn = client(orchestrator)
    arn = sfn.create_state_machine(
        name=unique("weights"), definition=pass_definition("w1"), roleArn=ROLE, publish=True)["stateMachineArn"]
    sfn.update_state_machine(stateMachineArn=arn, definition=pass_definition("w2"), publish=True)
    alias = sfn.create_state_machine_alias(
        name="split", routingConfiguration=[{"stateMachineVersionArn": f"{arn}:1", "weight": 70},
                                            {"stateMachineVersionArn": f"{arn}:2", "weight": 30}])[
        "stateMachineAliasArn"]
    for _ in range(400):
        sfn.start_execution(stateMachineArn=alias)
    counts = collections.Counter()
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=alias):
        for execution in page["executions"]:
            assert execution["stateMachineAliasArn"] == alias
            counts[execution["stateMachineVersionArn"]] += 1
    assert sum(counts.values()) == 400
    assert 75 <= counts[f"{arn}:2"] <= 165, counts
    # Each execution ran the version it reports.
    for page in sfn.get_paginator("list_executions").paginate(
            stateMachineArn=f"{arn}:2", PaginationConfig={"MaxItems": 5}):
        for execution in page["executions"]:
            assert json.loads(wait_for_status(sfn, execution["executionArn"])["output"]) == "w2"


# ---------------------------------------------------------------------------------------------------------------
# Tags

def test_tags_on_create_tag_untag_list_and_their_limits(orchestrator):
    sfn = client(orchestrator)
    raw = raw_client(orchestrator)
    shapes = ShapeRecorder(sfn)
    arn = sfn.create_state_machine(
        name=unique("tags"), definition=pass_definition("t"), roleArn=ROLE,
        tags=[{"key": "team", "value": "payments"}, {"key": "empty", "value": ""}])["stateMachineArn"]
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"key": "team", "value": "payments"}, {"key": "empty", "value": ""}]
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "risk"}, {"key": "env", "value": "prod"}])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"key": "team", "value": "risk"}, {"key": "empty", "value": ""}, {"key": "env", "value": "prod"}]
    sfn.untag_resource(resourceArn=arn, tagKeys=["empty", "not-there"])
    assert [t["key"] for t in sfn.list_tags_for_resource(resourceArn=arn)["tags"]] == ["team", "env"]

    # 50 tags at most: 48 more fit, one beyond does not (and changes nothing).
    sfn.tag_resource(resourceArn=arn, tags=[{"key": f"k{i}", "value": "v"} for i in range(48)])
    assert error_code(sfn.tag_resource, resourceArn=arn, tags=[{"key": "k-extra", "value": "v"}])[0] == "TooManyTags"
    assert len(sfn.list_tags_for_resource(resourceArn=arn)["tags"]) == 50
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "k0", "value": "replaced"}])  # replacing is not adding

    assert error_code(sfn.tag_resource, resourceArn=arn, tags=[{"key": "aws:reserved", "value": "v"}])[0] \
        == "ValidationException"
    assert error_code(raw.tag_resource, resourceArn=arn, tags=[{"key": "k" * 129, "value": "v"}])[0] \
        == "ValidationException"
    assert error_code(raw.tag_resource, resourceArn=arn, tags=[{"key": "ok", "value": "v" * 257}])[0] \
        == "ValidationException"
    assert error_code(raw.tag_resource, resourceArn=arn, tags=[{"key": "bad*char", "value": "v"}])[0] \
        == "ValidationException"
    assert error_code(raw.untag_resource, resourceArn=arn, tagKeys=[""])[0] == "ValidationException"
    missing = arn + "-missing"
    for call in [lambda: sfn.tag_resource(resourceArn=missing, tags=[{"key": "a", "value": "b"}]),
                 lambda: sfn.untag_resource(resourceArn=missing, tagKeys=["a"]),
                 lambda: sfn.list_tags_for_resource(resourceArn=missing)]:
        assert error_code(call)[0] == "ResourceNotFound"
    assert error_code(sfn.list_tags_for_resource, resourceArn="not-an-arn")[0] == "InvalidArn"
    # Versions have no tags of their own; a missing activity is not found.
    version = sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"]
    assert error_code(sfn.tag_resource, resourceArn=version, tags=[{"key": "a", "value": "b"}])[0] \
        == "ResourceNotFound"
    missing_activity = "arn:aws:states:us-east-1:123456789012:activity:" + unique("none")
    assert error_code(sfn.list_tags_for_resource, resourceArn=missing_activity)[0] == "ResourceNotFound"
    assert error_code(raw.create_state_machine, name=unique("toomany"), definition=pass_definition("t"),
                      roleArn=ROLE, tags=[{"key": f"k{i}", "value": ""} for i in range(51)])[0] == "TooManyTags"

    # Tags go with the state machine: a new one of the same name starts with none.
    name = arn.split(":")[-1]
    sfn.delete_state_machine(stateMachineArn=arn)
    sfn.create_state_machine(name=name, definition=pass_definition("t"), roleArn=ROLE)
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == []
    for operation in ["TagResource", "UntagResource", "ListTagsForResource"]:
        assert shapes.checked[operation] > 0, operation


def test_activities_carry_tags_from_creation_until_deletion(orchestrator):
    sfn = client(orchestrator)
    shapes = ShapeRecorder(sfn)
    name = unique("tagged-activity")
    arn = sfn.create_activity(name=name, tags=[{"key": "team", "value": "ops"}])["activityArn"]
    # An idempotent repeat answers the activity and leaves its tags as they are, as AWS does.
    assert sfn.create_activity(name=name, tags=[{"key": "other", "value": "x"}])["activityArn"] == arn
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "ops"}]
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "tier", "value": "gold"}])
    sfn.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "tier", "value": "gold"}]
    assert error_code(sfn.tag_resource, resourceArn=arn,
                      tags=[{"key": f"k{i}", "value": ""} for i in range(50)])[0] == "TooManyTags"
    sfn.delete_activity(activityArn=arn)
    assert error_code(sfn.list_tags_for_resource, resourceArn=arn)[0] == "ResourceNotFound"
    sfn.create_activity(name=name)
    assert sfn.list_tags_for_resource(resourceArn=arn)["tags"] == []
    assert shapes.checked["CreateActivity"] == 3 and shapes.checked["ListTagsForResource"] == 3


# ---------------------------------------------------------------------------------------------------------------
# DescribeStateMachineForExecution, and a version's execution across an update and a restart

def restart(system):
    """Stops the orchestrator and starts it again on the same data directory and queue prefix."""
    system.stop()
    env = dict(os.environ)
    env.update({
        "BATON_QUEUE_PREFIX": system.prefix, "BATON_DATA_DIR": str(pathlib.Path(system.directory) / "data"),
        "BATON_API_ADDRESS": "127.0.0.1:0", "BATON_LOG_LEVEL": "info",
    })
    env.pop("BATON_API_CREDENTIALS", None)
    system.log_path = pathlib.Path(system.directory) / f"orchestrator-{uuid.uuid4().hex[:6]}.log"
    system.log = open(system.log_path, "w")
    system.process = subprocess.Popen(
        [str(bin_dir() / "orchestrator")], env=env, stdout=system.log, stderr=system.log)
    system.url = system._wait_for_address(deadline=30)


@pytest.fixture()
def private_orchestrator():
    system = Orchestrator()
    yield system
    system.stop()


def test_version_execution_keeps_its_definition_across_update_and_restart(private_orchestrator):
    system = private_orchestrator
    sfn = client(system)
    shapes = ShapeRecorder(sfn)
    arn = sfn.create_state_machine(
        name=unique("pinned"), definition=callback_definition(system, "v1"), roleArn=ROLE,
        publish=True)["stateMachineArn"]
    sfn.create_state_machine_alias(name="prod", routingConfiguration=[{"stateMachineVersionArn": f"{arn}:1",
                                                                       "weight": 100}])
    by_alias = sfn.start_execution(stateMachineArn=f"{arn}:prod", input='{"n": 1}')["executionArn"]
    unpinned = sfn.start_execution(stateMachineArn=arn, input='{"n": 2}')["executionArn"]
    tokens = {by_alias: task_token(sfn, by_alias), unpinned: task_token(sfn, unpinned)}

    # While they wait: a new definition (published as version 2, the alias moved to it), then a restart.
    sfn.update_state_machine(stateMachineArn=arn, definition=callback_definition(system, "v2"), roleArn=ROLE2,
                             publish=True)
    sfn.update_state_machine_alias(stateMachineAliasArn=f"{arn}:prod",
                                   routingConfiguration=[{"stateMachineVersionArn": f"{arn}:2", "weight": 100}])
    restart(system)
    sfn = client(system)
    shapes = ShapeRecorder(sfn)

    for execution in tokens:
        described = sfn.describe_state_machine_for_execution(executionArn=execution)
        assert json.loads(described["definition"])["States"]["Mark"]["Result"] == "v1"
        assert described["stateMachineArn"] == arn and described["roleArn"] == ROLE
    current = sfn.describe_state_machine(stateMachineArn=arn)
    assert json.loads(current["definition"])["States"]["Mark"]["Result"] == "v2" and current["roleArn"] == ROLE2

    for execution, token in tokens.items():
        sfn.send_task_success(taskToken=token, output='{"called": "back"}')
    for execution in tokens:
        described = wait_for_status(sfn, execution)
        assert described["status"] == "SUCCEEDED", described
        assert json.loads(described["output"]) == {"called": "back", "version": "v1"}
    assert sfn.describe_execution(executionArn=by_alias)["stateMachineVersionArn"] == f"{arn}:1"
    assert sfn.describe_execution(executionArn=by_alias)["stateMachineAliasArn"] == f"{arn}:prod"

    # A new start through the alias runs version 2, as the versions and aliases survived the restart too.
    fresh = sfn.start_execution(stateMachineArn=f"{arn}:prod")["executionArn"]
    assert sfn.describe_execution(executionArn=fresh)["stateMachineVersionArn"] == f"{arn}:2"
    sfn.send_task_success(taskToken=task_token(sfn, fresh), output="{}")
    assert json.loads(wait_for_status(sfn, fresh)["output"]) == {"version": "v2"}
    assert error_code(sfn.describe_state_machine_for_execution,
                      executionArn=fresh + "-missing")[0] == "ExecutionDoesNotExist"
    assert shapes.checked["DescribeStateMachineForExecution"] > 0


# ---------------------------------------------------------------------------------------------------------------
# An infrastructure tool's life cycle (what Terraform's aws provider calls on create, refresh and destroy), every
# answer checked against the service model; and the aws CLI

def test_infrastructure_tool_lifecycle_answers_match_the_service_model(orchestrator):
    sfn = client(orchestrator)
    shapes = ShapeRecorder(sfn)
    name = unique("infra")
    arn = sfn.create_state_machine(
        name=name, definition=pass_definition("i1"), roleArn=ROLE, type="STANDARD", publish=True,
        versionDescription="initial", tags=[{"key": "ManagedBy", "value": "terraform"}])["stateMachineArn"]
    alias = sfn.create_state_machine_alias(
        name="live", description="managed", routingConfiguration=[{"stateMachineVersionArn": f"{arn}:1",
                                                                   "weight": 100}])["stateMachineAliasArn"]
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "Env", "value": "test"}])
    execution = sfn.start_execution(stateMachineArn=alias, input="{}")["executionArn"]
    wait_for_status(sfn, execution)

    def refresh():
        described = sfn.describe_state_machine(stateMachineArn=arn)
        versions = follow(sfn.list_state_machine_versions, "stateMachineVersions", stateMachineArn=arn)
        aliases = follow(sfn.list_state_machine_aliases, "stateMachineAliases", stateMachineArn=arn)
        for item in aliases:
            sfn.describe_state_machine_alias(stateMachineAliasArn=item["stateMachineAliasArn"])
        tags = sfn.list_tags_for_resource(resourceArn=arn)["tags"]
        return described, versions, aliases, tags

    described, versions, aliases, tags = refresh()
    assert described["revisionId"] and [v["stateMachineVersionArn"] for v in versions] == [f"{arn}:1"]
    assert [a["stateMachineAliasArn"] for a in aliases] == [alias]
    assert tags == [{"key": "ManagedBy", "value": "terraform"}, {"key": "Env", "value": "test"}]

    # An apply that changes the definition publishes a new version and moves the alias; a refresh sees both.
    sfn.update_state_machine(stateMachineArn=arn, definition=pass_definition("i2"), publish=True,
                             versionDescription="change")
    sfn.update_state_machine_alias(stateMachineAliasArn=alias, routingConfiguration=[
        {"stateMachineVersionArn": f"{arn}:2", "weight": 90}, {"stateMachineVersionArn": f"{arn}:1", "weight": 10}])
    sfn.untag_resource(resourceArn=arn, tagKeys=["Env"])
    described, versions, aliases, tags = refresh()
    assert [v["stateMachineVersionArn"] for v in versions] == [f"{arn}:2", f"{arn}:1"]
    assert tags == [{"key": "ManagedBy", "value": "terraform"}]
    sfn.describe_state_machine(stateMachineArn=f"{arn}:2")
    sfn.describe_execution(executionArn=execution)
    sfn.describe_state_machine_for_execution(executionArn=execution)
    sfn.list_executions(stateMachineArn=alias)

    # Destroy: aliases, then versions, then the state machine.
    sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
    for version in versions:
        sfn.delete_state_machine_version(stateMachineVersionArn=version["stateMachineVersionArn"])
    sfn.delete_state_machine(stateMachineArn=arn)
    assert error_code(sfn.describe_state_machine, stateMachineArn=arn)[0] == "StateMachineDoesNotExist"

    expected = {
        "CreateStateMachine", "CreateStateMachineAlias", "TagResource", "StartExecution", "DescribeExecution",
        "DescribeStateMachine", "ListStateMachineVersions", "ListStateMachineAliases", "DescribeStateMachineAlias",
        "ListTagsForResource", "UpdateStateMachine", "UpdateStateMachineAlias", "UntagResource",
        "DescribeStateMachineForExecution", "ListExecutions", "DeleteStateMachineAlias",
        "DeleteStateMachineVersion", "DeleteStateMachine",
    }
    assert expected <= set(shapes.checked), expected - set(shapes.checked)


def test_cli_publishes_aliases_and_tags(orchestrator, tmp_path):
    definition = tmp_path / "machine.asl.json"
    definition.write_text(pass_definition("cli"))
    name = unique("cli")
    arn = aws(orchestrator, "create-state-machine", "--name", name, "--definition", f"file://{definition}",
              "--role-arn", ROLE, "--tags", "key=owner,value=cli")["stateMachineArn"]
    published = aws(orchestrator, "publish-state-machine-version", "--state-machine-arn", arn,
                    "--description", "from the cli")
    assert published["stateMachineVersionArn"] == f"{arn}:1"
    assert [v["stateMachineVersionArn"] for v in aws(
        orchestrator, "list-state-machine-versions", "--state-machine-arn", arn)["stateMachineVersions"]] \
        == [f"{arn}:1"]
    alias = aws(orchestrator, "create-state-machine-alias", "--name", "live", "--routing-configuration",
                f"stateMachineVersionArn={arn}:1,weight=100")["stateMachineAliasArn"]
    assert aws(orchestrator, "describe-state-machine-alias", "--state-machine-alias-arn", alias)["name"] == "live"
    assert aws(orchestrator, "list-state-machine-aliases", "--state-machine-arn", arn)[
        "stateMachineAliases"][0]["stateMachineAliasArn"] == alias
    assert aws(orchestrator, "list-tags-for-resource", "--resource-arn", arn)["tags"] == [
        {"key": "owner", "value": "cli"}]
    execution = aws(orchestrator, "start-execution", "--state-machine-arn", alias)["executionArn"]
    described = aws(orchestrator, "describe-state-machine-for-execution", "--execution-arn", execution)
    assert json.loads(described["definition"])["States"]["P"]["Result"] == "cli"
