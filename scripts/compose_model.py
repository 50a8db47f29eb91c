"""docker-compose.yml as the checks here see it, without a Docker engine: loaded with PyYAML (anchors and `<<`
merge keys resolved), interpolated like `docker compose` does (${VAR}, ${VAR:-default}, ${VAR-default},
${VAR:?error}, ${VAR?error}, $$), with variables from the environment, else from a dotenv file.

Used by scripts/compose-check.py (schema, executables, variables) and scripts/compose-wiring-test.py
(runs the services' commands locally)."""

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("compose checks need PyYAML: python3 -m pip install pyyaml")

_VARIABLE = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def read_dotenv(path: Path) -> dict:
    """KEY=VALUE lines; # comments and blank lines skipped; optional single or double quotes removed."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


class InterpolationError(Exception):
    pass


def interpolate(text: str, variables: dict) -> str:
    """One string, as compose interpolates it."""

    def replace(match):
        if match.group(1):
            return "$"
        name = match.group(2) or match.group(5)
        operator, argument = match.group(3), match.group(4) or ""
        value = variables.get(name)
        if operator == ":-":
            return value if value else argument
        if operator == "-":
            return value if value is not None else argument
        if operator == ":?" and not value:
            raise InterpolationError(f"{name}: {argument or 'required'}")
        if operator == "?" and value is None:
            raise InterpolationError(f"{name}: {argument or 'required'}")
        return value or ""

    return _VARIABLE.sub(replace, text)


def _walk(node, variables):
    if isinstance(node, str):
        return interpolate(node, variables)
    if isinstance(node, list):
        return [_walk(item, variables) for item in node]
    if isinstance(node, dict):
        return {key: _walk(value, variables) for key, value in node.items()}
    return node


def merge(base, override):
    """`docker compose -f base -f override`: mappings merge key by key, anything else is replaced (compose unions
    some lists, such as volumes, by target; the checks here do not need that)."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(base[key], value) if key in base else value
        return merged
    return override


def load(env_file: Path = ENV_EXAMPLE, overrides: dict | None = None, extra_files: tuple = ()) -> dict:
    """The interpolated model: the process environment wins over `env_file`, `overrides` over both; each of
    `extra_files` (compose override files, e.g. deploy/compose.scale.yml) is merged on top, in order."""
    raw = yaml.safe_load(COMPOSE_FILE.read_text())
    for path in extra_files:
        raw = merge(raw, yaml.safe_load(Path(path).read_text()))
    variables = read_dotenv(env_file) if env_file and env_file.exists() else {}
    variables.update(os.environ)
    variables.update(overrides or {})
    return _walk(raw, variables)


def raw_text() -> str:
    return COMPOSE_FILE.read_text()


def environment(service: dict) -> dict:
    """A service's environment as a dict (compose allows a mapping or a list of KEY=VALUE)."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def command(service: dict) -> list:
    """A service's command as an argv list (compose allows a string, split like a shell would)."""
    value = service.get("command") or []
    if isinstance(value, str):
        import shlex

        return shlex.split(value)
    return [str(item) for item in value]
