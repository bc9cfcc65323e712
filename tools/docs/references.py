"""Every path, file, module, attribute and test the README and docs/ name exists.

What counts as a reference, in inline code or a link:

- a relative link (`[text](docs/releases.md#release-speed)`): the file, and the heading the
  anchor names;
- a repository path (`components/args.py`, `tests/platform/`, `Pulumi.{dev,prod}.yaml`): its
  first part is a top-level entry of the repository, and it matches a tracked file or folder
  (`<placeholder>` and `*` match anything); git-ignored paths (`policies/venv`) are created by
  tools and not checked;
- a test (`tests/test_readme.py::test_readme_is_a_front_page`): the file defines that function
  or class;
- a dotted name under a first-party package, in any code (`python -m tools.docs.tables`,
  `components.release.codedeploy.release.DeploymentError`): the module imports and has the
  attributes;
- "`NAME` in `path.py`": the file defines NAME;
- `pulumi config set|rm|get KEY`: one of the repository's Pulumi projects declares KEY (or it
  is another package's, like `aws:region`).

    python -m tools.docs.references     # prints each problem, exit 1 if any
"""

from __future__ import annotations

import ast
import functools
import importlib
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import yaml

from tools.docs.markdown import ROOT, code_texts, documents, inline_spans, links

FIRST_PARTY = (
    "components", "tools", "drill", "tests", "bench", "ecs_blue_green_policies",
    "platform_stack", "two_services",
)  # fmt: skip
_PATH = re.compile(r"^[\w.{},*<>-]+(/[\w.{},*<>-]*)+$")
_DOTTED = re.compile(rf"(?<![\w./-])((?:{'|'.join(FIRST_PARTY)})(?:\.\w+)+)")
_TEST = re.compile(r"^([\w/.-]+\.py)::(\w+)$")
_DEFINED_IN = re.compile(r"`(\w+)` (?:in|of) `([\w/.-]+\.py)`")


@functools.cache
def tracked(root: Path) -> tuple[str, ...]:
    """Every tracked file, and every folder that holds one."""
    files = subprocess.run(
        ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    folders = {str(parent) for f in files for parent in PurePosixPath(f).parents}
    return tuple(sorted(set(files) | folders - {"."}))


def _ignored(root: Path, path: str) -> bool:
    """Git ignores the path (as a file or as a folder): tools create it, git never holds it."""
    done = subprocess.run(
        ["git", "check-ignore", path, path.rstrip("/") + "/"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _braces(pattern: str) -> list[str]:
    match = re.search(r"\{([^{}]*)\}", pattern)
    if match is None:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end() :]
    return [p for part in match.group(1).split(",") for p in _braces(head + part + tail)]


def _path_regex(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"(<[^>]*>|\*)", pattern.rstrip("/"))
    return re.compile(
        "".join(r"[^/]+" if p.startswith("<") or p == "*" else re.escape(p) for p in parts)
    )


def path_exists(root: Path, reference: str) -> bool:
    entries = tracked(root)
    for pattern in _braces(reference):
        regex = _path_regex(pattern)
        if not any(regex.fullmatch(entry) for entry in entries):
            return False
    return True


def _exists_or_ignored(root: Path, reference: str) -> bool:
    return path_exists(root, reference) or _ignored(root, reference)


def _is_repo_path(root: Path, span: str) -> bool:
    if not _PATH.match(span) or span.startswith("/"):
        return False
    # `service/<cluster>/<service>` is an Application Auto Scaling ID, not a file: a path with
    # placeholders counts only when it names a file (it has an extension).
    if "<" in span and not re.search(r"\.\w+$", span):
        return False
    top = {entry.split("/")[0] for entry in tracked(root)}
    return span.split("/", maxsplit=1)[0] in top


def _defines(path: Path, name: str) -> bool:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
        if isinstance(node, definition) and node.name == name:
            return True
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return True
    return False


def resolves(dotted: str) -> bool:
    """The longest importable module prefix of `dotted`, then attributes for the rest."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(value, attribute):
                return False
            value = getattr(value, attribute)
        return True
    return False


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    return {_slug(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", text, re.MULTILINE)}


def _link_problems(root: Path, page: Path, text: str) -> Iterator[str]:
    for line, target in links(text):
        if re.match(r"^[a-z]+:", target):
            continue
        where = f"{page.relative_to(root)}:{line}"
        file, _, anchor = target.partition("#")
        linked = (page.parent / file).resolve() if file else page
        if not linked.exists():
            yield f"{where}: link to {target}: no such file"
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked.read_text()):
            yield f"{where}: link to {target}: no heading with that anchor"


_CONFIG_COMMAND = re.compile(r"pulumi config (?:set|rm|get)(?: --path)? '?([\w:-]+)")


@functools.cache
def declared_config_keys(root: Path) -> frozenset[str]:
    """Keys the Pulumi projects of the repository declare (`config:` of each Pulumi.yaml)."""
    keys: set[str] = set()
    for project in root.glob("**/Pulumi.yaml"):
        if "node_modules" in project.parts or "venv" in " ".join(project.parts):
            continue
        keys |= set((yaml.safe_load(project.read_text()) or {}).get("config") or {})
    return frozenset(keys)


def _config_problems(root: Path, page: Path, text: str) -> Iterator[str]:
    for line, code in code_texts(text):
        for key in _CONFIG_COMMAND.findall(code):
            if ":" not in key and key not in declared_config_keys(root):
                yield f"{page.relative_to(root)}:{line}: config key {key!r} is declared nowhere"


def _span_problems(root: Path, page: Path, text: str) -> Iterator[str]:
    for line, span in inline_spans(text):
        where = f"{page.relative_to(root)}:{line}: `{span}`"
        test = _TEST.match(span)
        if test:
            path = root / test.group(1)
            if not path.exists() or not _defines(path, test.group(2)):
                yield f"{where}: no such test"
        elif _is_repo_path(root, span) and not _exists_or_ignored(root, span):
            yield f"{where}: no such file or folder"
    for line, code in code_texts(text):
        for dotted in _DOTTED.findall(code):
            if not resolves(dotted):
                yield f"{page.relative_to(root)}:{line}: `{dotted}`: no such module or attribute"
    for match in _DEFINED_IN.finditer(" ".join(text.split())):
        name, file = match.groups()
        path = root / file
        if path.exists() and not _defines(path, name):
            yield f"{page.relative_to(root)}: `{name}` is not defined in {file}"


#: The checks' own tests, whose examples are stale on purpose.
_STALE_ON_PURPOSE = (
    "tests/test_docs_truth.py",
    "tests/test_mutation.py",  # a toy project's files
    "tests/platform/test_call_permissions.py",  # a made-up caller outside the known components
)
_SOURCE_SUFFIXES = (".py", ".yaml", ".yml", ".toml", ".json", ".js", ".cjs", ".txt")
_SOURCE_PATH = re.compile(
    r"(?<![\w/.$-])((?:components|tests|docs|tools|policies|platform|bench|drill|scripts|service"
    r"|examples)/[\w/.-]*\.[a-z]+)(?![\w<{*\[-]|\.\S)"
)


def source_problems(root: Path = ROOT) -> list[str]:
    """Repository files named in code, comments and config files that do not exist. Only names
    with an extension count: `service/<cluster>/<service>` IDs are not files."""
    found = []
    for entry in tracked(root):
        path = root / entry
        if path.suffix not in _SOURCE_SUFFIXES or entry in _STALE_ON_PURPOSE:
            continue
        if not path.is_file() or "lock" in path.name:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            found += [f"{entry}:{number}: {ref}: no such file" for ref in line_problems(root, line)]
    return found


def line_problems(root: Path, line: str) -> list[str]:
    """The repository files `line` names that do not exist."""
    return [
        reference
        for reference in _SOURCE_PATH.findall(line)
        if not _exists_or_ignored(root, reference)
    ]


def page_problems(root: Path, page: Path, text: str) -> list[str]:
    """Stale links and names in the Markdown `text` of `page`."""
    return [
        *_link_problems(root, page, text),
        *_span_problems(root, page, text),
        *_config_problems(root, page, text),
    ]


def problems(root: Path = ROOT) -> list[str]:
    return [
        problem for page, text in documents(root) for problem in page_problems(root, page, text)
    ]


def main() -> int:
    found = problems() + source_problems()
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
