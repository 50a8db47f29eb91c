#!/usr/bin/env python3
"""Re-expresses the jsonata-js test suite as Baton's own JSONata conformance fixtures.

Usage: scripts/jsonata-fixtures.py <jsonata-js checkout>/test/test-suite

Writes Tests/JSONataTests/Fixtures/groups/<group>.json (one array of cases per group, in file order, with any
`expr-file` inlined as `expr`) and Tests/JSONataTests/Fixtures/datasets/<name>.json. The fixtures are committed;
this script only regenerates them and nothing reads the suite at test time.

Each case keeps the suite's fields: name, expr, data or dataset, bindings, depth, timelimit, and exactly one of
result, undefinedResult or code (with an optional token).
"""
import json
import os
import re
import sys

LONE_SURROGATE = re.compile("(?<![\ud800-\udbff])[\udc00-\udfff]|[\ud800-\udbff](?![\udc00-\udfff])")


def escape_lone_surrogates(value):
    """Swift strings cannot hold an unpaired UTF-16 surrogate; inside an expression it is written as the JSONata
    escape `\\uXXXX` instead, which denotes the same string."""
    if isinstance(value, str):
        return LONE_SURROGATE.sub(lambda m: "\\u%04x" % ord(m.group(0)), value)
    if isinstance(value, list):
        return [escape_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {key: escape_lone_surrogates(item) for key, item in value.items()}
    return value


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    suite = sys.argv[1]
    out = os.path.join(os.path.dirname(__file__), "..", "Tests", "JSONataTests", "Fixtures")
    os.makedirs(os.path.join(out, "groups"), exist_ok=True)
    os.makedirs(os.path.join(out, "datasets"), exist_ok=True)
    for name in sorted(os.listdir(os.path.join(suite, "datasets"))):
        with open(os.path.join(suite, "datasets", name)) as src:
            data = json.load(src)
        with open(os.path.join(out, "datasets", name), "w") as dst:
            json.dump(data, dst, indent=1, ensure_ascii=True)
            dst.write("\n")
    total = 0
    groups_dir = os.path.join(suite, "groups")
    for group in sorted(os.listdir(groups_dir)):
        cases = []
        for name in sorted(os.listdir(os.path.join(groups_dir, group))):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(groups_dir, group, name)) as src:
                loaded = json.load(src)
            entries = loaded if isinstance(loaded, list) else [loaded]
            for index, case in enumerate(entries):
                case = dict(case)
                if "expr-file" in case:
                    with open(os.path.join(groups_dir, group, case.pop("expr-file"))) as expr:
                        case["expr"] = expr.read()
                label = name[: -len(".json")]
                case["name"] = label if len(entries) == 1 else f"{label}[{index}]"
                case.pop("description", None)
                cases.append(escape_lone_surrogates(case))
        total += len(cases)
        with open(os.path.join(out, "groups", group + ".json"), "w") as dst:
            json.dump(cases, dst, indent=1, ensure_ascii=True)
            dst.write("\n")
    print(f"{total} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
