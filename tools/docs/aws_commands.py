"""Every `aws ...` command in the README, docs/ and the product's messages parses against
botocore's service models.

A command is read as the AWS CLI reads it: `aws <service> <operation> --<parameter> value...`.
The CLI names operations and parameters after the model (`xform_name(name, "-")`, as
`awscli.clidriver` and `awscli.arguments` do) and calls CodeDeploy `deploy`
(`awscli/customizations/codedeploy/codedeploy.py` renames the command). For each command:

- the service and the operation exist;
- every `--parameter` is a member of the operation's input, a boolean's `--no-` form, or one of
  the CLI's global options;
- every required member is given, and so is every member the model's documentation says must
  come with another ("If <code>applicationName</code> is specified, then
  <code>deploymentGroupName</code> must be specified": ListDeployments);
- a literal value of an enum parameter is one of the enum's values.

    python -m tools.docs.aws_commands     # prints each problem, exit 1 if any
"""

from __future__ import annotations

import ast
import functools
import itertools
import re
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import botocore.loaders
from botocore import xform_name
from botocore.model import OperationModel, ServiceModel, Shape

from tools.docs.markdown import ROOT, code_texts, documents

#: CLI command name -> botocore service name, where they differ.
CLI_SERVICE_NAMES = {"deploy": "codedeploy"}
#: Options of the `aws` command itself and of paginated operations (AWS CLI v2 "Global options";
#: `awscli/customizations/paginate.py`).
GLOBAL_OPTIONS = frozenset(
    {
        "query", "output", "region", "profile", "endpoint-url", "debug", "no-cli-pager",
        "no-paginate", "page-size", "max-items", "starting-token", "cli-input-json",
        "cli-input-yaml", "no-verify-ssl", "color", "no-sign-request", "cli-read-timeout",
        "cli-connect-timeout", "cli-binary-format", "ca-bundle",
    }
)  # fmt: skip
#: Parameters the CLI renames, as `service.operation.model-name: cli-name` (the entries we use of
#: ARGUMENT_RENAMES in `awscli/customizations/argrename.py`).
ARGUMENT_RENAMES = {"sns.subscribe.endpoint": "notification-endpoint"}
_TOGETHER = re.compile(
    r"If <code>(\w+)</code> is specified, then <code>(\w+)</code> must be specified"
)
_COMMAND = re.compile(r"(?:^|(?<=[\s;(|&`]))aws[ \t]+[a-z0-9-]+[ \t]+[a-z0-9-]+")
#: Shell punctuation that ends a command (a run of them is one token: `&&`, "`)").
_SEPARATORS = frozenset("();|&`")
_PLACEHOLDER = re.compile(r"[$<…]|\.\.\.|^(FIELD|SUBSTITUTED)$")


@dataclass(frozen=True)
class Command:
    where: str
    """`file:line` of the command."""
    text: str


@functools.cache
def _loader() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()


@functools.cache
def service_model(cli_name: str) -> ServiceModel | None:
    name = CLI_SERVICE_NAMES.get(cli_name, cli_name)
    if name not in _loader().list_available_services("service-2"):
        return None
    return ServiceModel(_loader().load_service_model(name, "service-2"), name)


def _without_substitutions(text: str) -> str:
    """`$(...)` (nested) becomes one word, so the shell's own commands do not split ours."""
    out, depth = [], 0
    index = 0
    while index < len(text):
        if text.startswith("$(", index):
            if depth == 0:
                out.append("SUBSTITUTED")
            depth += 1
            index += 2
            continue
        if depth:
            depth += text[index] == "("
            depth -= text[index] == ")"
        else:
            out.append(text[index])
        index += 1
    return "".join(out)


def commands_in(text: str, where: str) -> Iterator[Command]:
    """Each `aws` command in a shell text (also inside `$(...)`), up to the end of its stage."""
    joined = text.replace("\\\n", " ")
    for match in _COMMAND.finditer(joined):
        line = _without_substitutions(joined[match.start() :].split("\n", 1)[0])
        lexer = shlex.shlex(line, posix=True, punctuation_chars="();|&`")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        try:
            tokens = list(lexer)
        except ValueError:
            yield Command(where, line.strip())  # problems() reports the broken quoting
            continue
        stage = list(itertools.takewhile(lambda t: not set(t) <= _SEPARATORS, tokens))
        yield Command(where, shlex.join(stage))


def documented_commands(root: Path = ROOT) -> list[Command]:
    return [
        command
        for path, text in documents(root)
        for line, code in code_texts(text)
        for command in commands_in(code, f"{path.relative_to(root)}:{line}")
    ]


def string_texts(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every string literal; an f-string's fields become one word each."""
    nodes = list(ast.walk(ast.parse(source)))
    parts_of_fstrings = {id(v) for n in nodes if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in nodes:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in parts_of_fstrings:
                yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else "FIELD" for v in node.values]
            yield node.lineno, "".join(str(p) for p in parts)


def product_commands(root: Path = ROOT) -> list[Command]:
    """`aws` commands the product prints to its users (messages in `components/`, `drill/`)."""
    return [
        command
        for folder in ("components", "drill")
        for path in sorted((root / folder).rglob("*.py"))
        for line, text in string_texts(path.read_text())
        for command in commands_in(text, f"{path.relative_to(root)}:{line}")
    ]


def _options(tokens: list[str]) -> dict[str, list[str]]:
    options: dict[str, list[str]] = {}
    current = None
    for token in tokens:
        if token.startswith("--"):
            current = token[2:]
            options[current] = []
        elif current is not None:
            options[current].append(token)
    return options


def _members(service: str, operation: OperationModel) -> dict[str, tuple[str, Shape]]:
    """CLI option name -> (model member name, shape)."""
    shape = operation.input_shape
    if shape is None:
        return {}
    command = f"{service}.{xform_name(operation.name, '-')}"
    return {
        ARGUMENT_RENAMES.get(f"{command}.{xform_name(name, '-')}", xform_name(name, "-")): (
            name,
            member,
        )
        for name, member in shape.members.items()
    }


def _enum(shape: Shape) -> list[str]:
    """The allowed values of a string parameter, or of each item of a list parameter."""
    item = getattr(shape, "member", shape)
    return list(getattr(item, "enum", None) or [])


def _operation(service: str, name: str) -> OperationModel | str:
    """The operation's model, or why there is none."""
    model = service_model(service)
    if model is None:
        return f"no service {service!r} in botocore's models"
    operations = {xform_name(op, "-"): op for op in model.operation_names}
    if name not in operations:
        return f"{model.service_name} has no such operation"
    return model.operation_model(operations[name])


def _option_problems(
    members: dict[str, tuple[str, Shape]], given: dict[str, list[str]]
) -> tuple[list[str], set[str]]:
    """Unknown options and enum values; and the model members the options name."""
    found, named = [], set()
    for option, values in given.items():
        negated = members.get(option.removeprefix("no-"))
        if option in GLOBAL_OPTIONS:
            continue
        if option not in members and negated is not None and negated[1].type_name == "boolean":
            named.add(negated[0])
            continue
        if option not in members:
            found.append(f"no parameter --{option}")
            continue
        name, shape = members[option]
        named.add(name)
        allowed = _enum(shape)
        bad = [v for v in values if allowed and not _PLACEHOLDER.search(v) and v not in allowed]
        found += [f"--{option} {value!r} is not one of {allowed}" for value in bad]
    return found, named


def _required_problems(
    operation: OperationModel, members: dict[str, tuple[str, Shape]], named: set[str]
) -> list[str]:
    shape = operation.input_shape
    if shape is None:
        return []
    option = {member: cli for cli, (member, _) in members.items()}
    found = [
        f"{operation.name} requires --{option[name]}"
        for name in shape.required_members
        if name not in named
    ]
    for name, member in shape.members.items():
        for first, second in _TOGETHER.findall(member.documentation or ""):
            if first == name and first in named and second not in named:
                found.append(
                    f"--{option[first]} needs --{option[second]} ({operation.name}'s model: if"
                    f" {first} is specified, then {second} must be specified)"
                )
    return found


def problems(command: Command) -> list[str]:
    """What the CLI or the API would refuse in `command`; empty when it parses."""
    try:
        _, service, name, *rest = shlex.split(command.text)
    except ValueError as error:
        return [f"{command.where}: `{command.text}`: cannot be split as a shell line ({error})"]
    prefix = f"{command.where}: `aws {service} {name}`"
    operation = _operation(service, name)
    if isinstance(operation, str):
        return [f"{prefix}: {operation}"]
    members = _members(service, operation)
    given = _options(rest)
    found, named = _option_problems(members, given)
    # A command named without any option is a mention of the operation, not a command line.
    if given and "cli-input-json" not in given:
        found += _required_problems(operation, members, named)
    return [f"{prefix}: {problem}" for problem in found]


def main() -> int:
    commands = documented_commands() + product_commands()
    found = [problem for command in commands for problem in problems(command)]
    for problem in found:
        print(problem, file=sys.stderr)
    print(f"{len(commands)} aws commands checked, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
