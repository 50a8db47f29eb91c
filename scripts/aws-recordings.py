#!/usr/bin/env python3
"""Re-expresses execution histories recorded against real AWS Step Functions as Baton's own replay fixtures.

Usage: scripts/aws-recordings.py <localstack checkout (a git directory or work tree)>

LocalStack's snapshot tests (tests/aws/services/stepfunctions/, marked `aws.validated`) store what real AWS
returned for GetExecutionHistory. For each case listed in CASES below this script takes the state machine
definition (a .json5 template), the execution input and the recorded events, and writes
Tests/StatesLanguageTests/Fixtures/recorded/<name>.json:

    {"source": "...", "definition": {...}, "input": ..., "events": [{"type": ..., "details": {...}}, ...]}

Event details keep only what AWS recorded; ids, timestamps and previousEventId are dropped. Where LocalStack
normalized the events of Parallel branches (their order on AWS is not deterministic: it sorts them and drops
ParallelStateSucceeded), the fixture says `"parallelEventsNormalized": true` and the replay compares the branch
events as a set. Values that the
recording masked (ARNs, request ids, dates: `<...>` placeholders, "date") stay as they are: the replay test treats a
masked string as matching any string. The fixtures are committed; nothing reads LocalStack at test time.

Cases left out are listed in SKIPPED with the reason.
"""
import json
import os
import re
import subprocess
import sys

SNAPSHOTS = "tests/aws/services/stepfunctions/v2/"
TEMPLATES = "tests/aws/services/stepfunctions/templates/"
ASSIGN = ("assign/", "assign/statemachines/")
CALLBACK = ("callback/", "callbacks/statemachines/")
TIMEOUTS = "timeouts/statemachines/"
HEARTBEATS = ("timeouts/", TIMEOUTS)
SERVICES = ("services/", "services/statemachines/")
SERVICE_ERRORS = ("error_handling/", "services/statemachines/")
ACTIVITIES = ("activities/", "activities/statemachines/")
# The activity the recordings ran against, masked as `activity_arn` in them; the fixtures name this one instead.
ACTIVITY_ARN = "arn:aws:states:us-east-1:123456789012:activity:recorded"


def activity_resource(definition):
    definition["States"]["ActivityTask"]["Resource"] = ACTIVITY_ARN


def heartbeat_60(definition):
    """test_sqs_wait_for_task_tok_with_heartbeat sets HeartbeatSeconds to 60 before creating the machine."""
    definition["States"]["SendMessageWithWait"]["HeartbeatSeconds"] = 60


def no_timeout(definition):
    """test_heartbeat_no_timeout removes TimeoutSeconds before creating the machine."""
    del definition["States"]["SendMessageWithWait"]["TimeoutSeconds"]


# fixture name -> (snapshot file, test id, template file[, change the test makes to the template])
# Names without a directory are in ASSIGN.
CASES = {
    "assign-empty": ("test_assign_base", "test_base_cases[BASE_EMPTY]", "base_empty"),
    "assign-constant-literals": ("test_assign_base", "test_base_cases[BASE_CONSTANT_LITERALS]", "base_constant_literals"),
    "assign-paths": ("test_assign_base", "test_base_cases[BASE_PATHS]", "base_paths"),
    "assign-var": ("test_assign_base", "test_base_cases[BASE_VAR]", "base_var"),
    "assign-scope-map": ("test_assign_base", "test_base_cases[BASE_SCOPE_MAP]", "base_scope_map"),
    "assign-scope-parallel": ("test_assign_base", "test_base_parallel_cases[BASE_SCOPE_PARALLEL]", "base_scope_parallel"),
    "jsonata-choice-condition-true": ("test_assign_base", "test_assign_in_choice[CONDITION_TRUE]", "choice_condition_jsonata"),
    "jsonata-choice-condition-false": ("test_assign_base", "test_assign_in_choice[CONDITION_FALSE]", "choice_condition_jsonata"),
    "reference-in-parameters": ("test_assign_reference_variables", "test_reference_assign[BASE_REFERENCE_IN_PARAMETERS]", "base_reference_in_parameters"),
    "reference-in-choice": ("test_assign_reference_variables", "test_reference_assign[BASE_REFERENCE_IN_CHOICE]", "base_reference_in_choice"),
    "reference-in-wait": ("test_assign_reference_variables", "test_reference_assign[BASE_REFERENCE_IN_WAIT]", "base_reference_in_wait"),
    "reference-in-iterator-outer-scope": ("test_assign_reference_variables", "test_reference_assign[BASE_REFERENCE_IN_ITERATOR_OUTER_SCOPE]", "base_reference_in_iterator_outer_scope"),
    "reference-in-inputpath": ("test_assign_reference_variables", "test_reference_assign[BASE_REFERENCE_IN_INPUTPATH]", "base_reference_in_inputpath"),
    "reference-in-outputpath": ("test_assign_reference_variables", "test_reference_assign[BASE_REFERENCE_IN_OUTPUTPATH]", "base_reference_in_outputpath"),
    "reference-in-intrinsic-function": ("test_assign_reference_variables", "test_reference_assign[BASE_REFERENCE_IN_INTRINSIC_FUNCTION]", "base_reference_in_intrinsic_function"),
    "reference-in-fail": ("test_assign_reference_variables", "test_reference_assign[BASE_REFERENCE_IN_FAIL]", "base_reference_in_fail"),
    "assign-from-parameters": ("test_assign_reference_variables", "test_assign_from_value[BASE_ASSIGN_FROM_PARAMETERS]", "base_assign_from_parameters"),
    "assign-from-result": ("test_assign_reference_variables", "test_assign_from_value[BASE_ASSIGN_FROM_RESULT]", "base_assign_from_result"),
    "assign-from-intrinsic-function": ("test_assign_reference_variables", "test_assign_from_value[BASE_ASSIGN_FROM_INTRINSIC_FUNCTION]", "base_assign_from_intrinsic_function"),
    "assign-in-choice-correct": ("test_assign_reference_variables", "test_assign_in_choice_state[CORRECT]", "base_assign_in_choice"),
    "assign-in-choice-incorrect": ("test_assign_reference_variables", "test_assign_in_choice_state[INCORRECT]", "base_assign_in_choice"),
    "assign-in-wait": ("test_assign_reference_variables", "test_assign_in_wait_state", "base_assign_in_wait"),
    "assign-in-catch": ("test_assign_reference_variables", "test_assign_in_catch_state", "base_assign_in_catch"),
    "assign-evaluation-order": ("test_assign_reference_variables", "test_state_assign_evaluation_order[BASE_EVALUATION_ORDER_PASS_STATE]", "base_evaluation_order_pass_state"),
    "assign-from-lambda-task-result": ("test_assign_reference_variables", "test_variables_in_lambda_task[BASE_ASSIGN_FROM_LAMBDA_TASK_RESULT]", "base_assign_from_lambda_task_result"),
    "map-reference-in-intrinsic-function": ("test_assign_reference_variables", "test_reference_in_map_state[MAP_STATE_REFERENCE_IN_INTRINSIC_FUNCTION]", "map_state_reference_in_intrinsic_function"),
    "map-reference-in-items-path": ("test_assign_reference_variables", "test_reference_in_map_state[MAP_STATE_REFERENCE_IN_ITEMS_PATH]", "map_state_reference_in_items_path"),
    "map-reference-in-max-concurrency-path": ("test_assign_reference_variables", "test_reference_in_map_state[MAP_STATE_REFERENCE_IN_MAX_CONCURRENCY_PATH]", "map_state_reference_in_max_concurrency_path"),
    "jsonata-undefined-output": ("test_assign_reference_variables", "test_undefined_reference[BASE_UNDEFINED_OUTPUT]", "base_undefined_output"),
    "jsonata-undefined-output-field": ("test_assign_reference_variables", "test_undefined_reference[BASE_UNDEFINED_OUTPUT_FIELD]", "base_undefined_output_field"),
    "jsonata-undefined-output-multiple-states": ("test_assign_reference_variables", "test_undefined_reference[BASE_UNDEFINED_OUTPUT_MULTIPLE_STATES]", "base_undefined_output_multiple_states"),
    "jsonata-undefined-assign": ("test_assign_reference_variables", "test_undefined_reference[BASE_UNDEFINED_ASSIGN]", "base_undefined_assign"),
    "jsonata-undefined-arguments": ("test_assign_reference_variables", "test_undefined_reference[BASE_UNDEFINED_ARGUMENTS]", "base_undefined_arguments"),
    "jsonata-undefined-arguments-field": ("test_assign_reference_variables", "test_undefined_reference[BASE_UNDEFINED_ARGUMENTS_FIELD]", "base_undefined_arguments_field"),
    "heartbeat-timeout": (HEARTBEATS, "test_heartbeats", "test_heartbeat_timeout", TIMEOUTS + "service_sqs_send_and_wait_for_task_token_with_heartbeat"),
    "heartbeat-path-timeout": (HEARTBEATS, "test_heartbeats", "test_heartbeat_path_timeout", TIMEOUTS + "service_sqs_send_and_wait_for_task_token_with_heartbeat_path"),
    "heartbeat-no-timeout": (HEARTBEATS, "test_heartbeats", "test_heartbeat_no_timeout", TIMEOUTS + "service_sqs_send_and_wait_for_task_token_with_heartbeat", no_timeout),
    "timeout-service-lambda": (HEARTBEATS, "test_timeouts", "test_fixed_timeout_service_lambda", TIMEOUTS + "service_lambda_wait_with_timeout_seconds"),
    "timeout-service-lambda-path": (HEARTBEATS, "test_timeouts", "test_fixed_timeout_service_lambda_with_path", TIMEOUTS + "service_lambda_wait_with_timeout_seconds_path"),
    "callback-sqs-success": (CALLBACK, "test_callback", "test_sqs_wait_for_task_token", "sqs_wait_for_task_token"),
    "callback-sqs-timeout": (CALLBACK, "test_callback", "test_sqs_wait_for_task_token_timeout", "sqs_wait_for_task_token_with_timeout"),
    "callback-sqs-failure": (CALLBACK, "test_callback", "test_sqs_failure_in_wait_for_task_token", "sqs_wait_for_task_token"),
    "callback-sqs-heartbeat": (CALLBACK, "test_callback", "test_sqs_wait_for_task_tok_with_heartbeat", TIMEOUTS + "service_sqs_send_and_wait_for_task_token_with_heartbeat", heartbeat_60),
    "callback-sqs-heartbeat-path": (CALLBACK, "test_callback", "test_multiple_heartbeat_notifications", TIMEOUTS + "service_sqs_send_and_wait_for_task_token_with_heartbeat_path"),
    "callback-sns-publish": (CALLBACK, "test_callback", "test_sns_publish_wait_for_task_token", "sns_publish_wait_for_task_token"),
    "callback-call-chain": (CALLBACK, "test_callback", "test_sqs_wait_for_task_token_call_chain", "sqs_wait_for_task_token_call_chain"),
    "callback-no-token-parameter": (CALLBACK, "test_callback", "test_sqs_wait_for_task_token_no_token_parameter", "sqs_wait_for_task_token_no_token_parameter"),
    "callback-failure-without-error-in-parallel": (CALLBACK, "test_callback", "test_sqs_failure_in_wait_for_task_tok_no_error_field[SQS_PARALLEL_WAIT_FOR_TASK_TOKEN]", "sqs_parallel_wait_for_task_token"),
    "callback-failure-without-error-caught": (CALLBACK, "test_callback", "test_sqs_failure_in_wait_for_task_tok_no_error_field[SQS_WAIT_FOR_TASK_TOKEN_CATCH]", "sqs_wait_for_task_token_catch"),
    "nested-start-execution": (SERVICES, "test_sfn_task_service", "test_start_execution", "sfn_start_execution"),
    "nested-start-execution-input-json": (SERVICES, "test_sfn_task_service", "test_start_execution_input_json", "sfn_start_execution"),
    "nested-start-execution-no-such-arn": (SERVICE_ERRORS, "test_task_service_sfn", "test_start_execution_no_such_arn", "sfn_start_execution"),
    "nested-sync": (CALLBACK, "test_callback", "test_start_execution_sync", "sfn_start_execution_sync"),
    "nested-sync2": (CALLBACK, "test_callback", "test_start_execution_sync2", "sfn_start_execution_sync2"),
    "nested-sync-child-fails": (CALLBACK, "test_callback", "test_start_execution_sync_delegate_failure", "sfn_start_execution_sync"),
    "nested-sync-child-times-out": (CALLBACK, "test_callback", "test_start_execution_sync_delegate_timeout", "sfn_start_execution_sync"),
    "nested-sync-answered-by-token": (CALLBACK, "test_callback", "test_sync_with_task_token", "sfn_start_execution_sync_with_task_token"),
    "sdk-sfn-send-task-success-no-such-token": (SERVICES, "test_aws_sdk_task_service", "test_sfn_send_task_outcome_with_no_such_token[state_machine_template0]", "aws_sdk_sfn_send_task_success"),
    "activity-task": (ACTIVITIES, "test_activities", "test_activity_task", "base_activity_task", activity_resource),
    "activity-task-no-worker-name": (ACTIVITIES, "test_activities", "test_activity_task_no_worker_name", "base_activity_task", activity_resource),
    "activity-task-failure": (ACTIVITIES, "test_activities", "test_activity_task_failure", "base_activity_task", activity_resource),
    "activity-task-heartbeat": (ACTIVITIES, "test_activities", "test_activity_task_with_heartbeat", "base_activity_task_heartbeat", activity_resource),
    "activity-task-start-timeout": (ACTIVITIES, "test_activities", "test_activity_task_start_timeout", "base_activity_task_timeout", activity_resource),
    "activity-task-on-deleted": (ACTIVITIES, "test_activities", "test_activity_task_on_deleted", "base_activity_task", activity_resource),
    "sdk-sfn-send-task-failure-no-such-token": (SERVICES, "test_aws_sdk_task_service", "test_sfn_send_task_outcome_with_no_such_token[state_machine_template1]", "aws_sdk_sfn_send_task_failure"),
}

SKIPPED = {
    "MAP_STATE_REFERENCE_IN_MAX_ITEMS_PATH": "Distributed Map (ItemReader over S3) is not supported",
    "MAP_STATE_REFERENCE_IN_MAX_PER_BATCH_PATH": "Distributed Map (ItemBatcher) is not supported",
    "MAP_STATE_REFERENCE_IN_TOLERATED_FAILURE_PATH": "Distributed Map (ToleratedFailure…Path) is not supported",
    "MAP_STATE_REFERENCE_IN_ITEM_SELECTOR": "its ItemProcessor runs in DISTRIBUTED mode (Distributed Map is not supported)",
    "BASE_REFERENCE_IN_LAMBDA_TASK_FIELDS": "commented out in LocalStack's own test (no recording)",
    "test_service_lambda_map_timeout": "the four iterations' tasks time out at once and AWS recorded the four "
        "TaskTimedOut before the Map failed; Baton handles the first, then aborts the others (whose timeouts no "
        "longer come): the order of simultaneous events. The abort events it records after that follow this "
        "recording (MapIterationFailed, TaskStateAborted, MapIterationAborted and TaskStateAborted per sibling), "
        "checked by InterpreterBranchTests",
    "test_multiple_executions_and_heartbeat_notifications": "LocalStack skips it as flaky; six executions share one "
        "queue, so which recording belongs to which execution is not known",
}


def show(repo, path):
    return subprocess.run(["git", "-C", repo, "show", "HEAD:" + path], check=True, capture_output=True, text=True).stdout


def json5(text):
    """The templates are JSON5 as far as they use it: comments, trailing commas, unquoted member names."""
    text = re.sub(r"^\s*//.*$", "", text, flags=re.MULTILINE)
    # A comment after a member (`"Resource": "__tbd__",  // …`); `//` inside a string follows `:`, not these.
    text = re.sub(r'(?<=[,{\[\]}"0-9el])[ \t]+//[^\n]*$', "", text, flags=re.MULTILINE)
    text = re.sub(r"^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*:", r'\1"\2":', text, flags=re.MULTILINE)
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    return json.loads(text)


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    repo = sys.argv[1]
    out = os.path.join(os.path.dirname(__file__), "..", "Tests", "StatesLanguageTests", "Fixtures", "recorded")
    os.makedirs(out, exist_ok=True)
    snapshots = {}
    for name, case in sorted(CASES.items()):
        if not isinstance(case[0], tuple):
            case = (ASSIGN,) + case
        (snapshot_dir, template_dir), snapshot, test_id, template = case[:4]
        snapshot = snapshot_dir + snapshot
        if "/" not in template:
            template = template_dir + template
        if snapshot not in snapshots:
            snapshots[snapshot] = json.loads(show(repo, SNAPSHOTS + snapshot + ".snapshot.json"))
        key = next(k for k in snapshots[snapshot] if k.endswith("::" + test_id))
        events = snapshots[snapshot][key]["recorded-content"]["get_execution_history"]["events"]
        definition = json5(show(repo, TEMPLATES + template + ".json5"))
        for change in case[4:]:
            change(definition)
        started = events[0]["executionStartedEventDetails"]["input"]
        fixture = {
            "source": "localstack/localstack " + SNAPSHOTS + snapshot + ".py::" + test_id,
            "definition": definition,
            "input": json.loads(started) if isinstance(started, str) else started,
            "events": [],
        }
        if snapshot_dir == ACTIVITIES[0]:
            # The recording masked the activity's ARN; the fixture's definition names ACTIVITY_ARN.
            events = json.loads(json.dumps(events).replace('"activity_arn"', json.dumps(ACTIVITY_ARN))
                                .replace("activity activity_arn ", f"activity {ACTIVITY_ARN} "))
            if test_id.endswith("_on_deleted"):
                fixture["activityDeleted"] = True
        for event in events:
            if isinstance(event.get("id"), list):
                fixture["parallelEventsNormalized"] = True
            details = [v for k, v in event.items() if k.endswith("EventDetails")]
            entry = {"type": event["type"]}
            if details:
                entry["details"] = details[0]
            fixture["events"].append(entry)
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(fixture, f, indent=1, sort_keys=True)
            f.write("\n")
    with open(os.path.join(out, "SKIPPED.md"), "w") as f:
        f.write("# Recorded cases not replayed\n\n")
        for case, reason in sorted(SKIPPED.items()):
            f.write(f"- `{case}`: {reason}\n")
    print(f"wrote {len(CASES)} fixtures to {os.path.normpath(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
