"""The worker contract's formats, checked against contract.schema.json.

That file is generated from the TypeScript contract (packages/spec/src/runContract.ts) and a test
there fails when it drifts, so checking against it keeps this library in step with the runner.
The checker covers exactly the JSON Schema keywords the generator emits, and refuses any other,
so that a new keyword cannot be silently ignored.
"""
import json
import math
from importlib import resources
from typing import Any

SUPPORTED_KEYWORDS = {"type", "enum", "items", "minimum", "maximum", "properties", "required", "anyOf", "additionalProperties"}


class ContractError(ValueError):
    """A value that does not follow the worker contract; the message names the field."""


def _load_definitions() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("contract.schema.json").read_text(encoding="utf-8")
    definitions: dict[str, Any] = json.loads(text)["definitions"]
    return definitions


DEFINITIONS = _load_definitions()


def _type_matches(expected: str, value: Any) -> bool:
    match expected:
        case "object":
            return isinstance(value, dict)
        case "array":
            return isinstance(value, list)
        case "string":
            return isinstance(value, str)
        case "boolean":
            return isinstance(value, bool)
        case "integer":
            return isinstance(value, int) and not isinstance(value, bool) or (isinstance(value, float) and value.is_integer())
        case "number":
            # JSON has no NaN or infinity: the contract's Finite.
            return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    raise ContractError(f"unsupported JSON Schema type {expected!r}")


def _problems(schema: dict[str, Any], value: Any, path: str) -> list[str]:
    unknown = set(schema) - SUPPORTED_KEYWORDS
    if unknown:
        raise ContractError(f"contract.schema.json uses keywords this checker does not know: {sorted(unknown)}")
    if "anyOf" in schema:
        alternatives = [_problems(member, value, path) for member in schema["anyOf"]]
        if all(alternatives):
            return [f"{path}: {json.dumps(value)[:80]} matches none of its {len(alternatives)} forms ({'; '.join(a[0] for a in alternatives)})"]
        return []
    if "type" in schema and not _type_matches(schema["type"], value):
        return [f"{path}: expected {'a finite ' if schema['type'] == 'number' else 'an ' if schema['type'][0] in 'aeiou' else 'a '}{schema['type']}, got {json.dumps(value)[:80]}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{path}: expected one of {', '.join(json.dumps(e) for e in schema['enum'])}, got {json.dumps(value)[:80]}"]
    if "minimum" in schema and value < schema["minimum"] or "maximum" in schema and value > schema["maximum"]:
        return [f"{path}: {value} is out of range"]
    problems: list[str] = []
    if isinstance(value, dict):
        problems += [f"{path}.{key}: missing" for key in schema.get("required", []) if key not in value]
        properties: dict[str, Any] = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                problems += _problems(properties[key], item, f"{path}.{key}")
            elif schema.get("additionalProperties", True) is False:
                problems.append(f"{path}.{key}: not a field of the contract")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += _problems(schema["items"], item, f"{path}[{index}]")
    return problems


def contract_problems(definition: str, value: Any, label: str) -> list[str]:
    """Every way `value` departs from the contract's `definition` (RunSpec, MetricLine, RunResult)."""
    return _problems(DEFINITIONS[definition], value, label)


def check(definition: str, value: Any, label: str) -> None:
    """Raise ContractError naming every field of `value` that departs from `definition`."""
    problems = contract_problems(definition, value, label)
    if problems:
        raise ContractError(f"{label} does not follow the worker contract ({definition}):\n  " + "\n  ".join(problems))
