"""offline/run.py's own decisions, without the CLI (the engine tier runs it whole)."""

from __future__ import annotations

from pathlib import Path

from offline.run import stack_exists


def _project(folder: Path, name: str) -> Path:
    folder.mkdir()
    (folder / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
    return folder


def test_a_stack_is_created_only_where_the_backend_has_no_file_of_it(tmp_path: Path) -> None:
    project = _project(tmp_path / "repo", "ecs-blue-green")
    state = tmp_path / "state"
    assert not stack_exists(state, project, "dev")
    stacks = state / ".pulumi" / "stacks" / "ecs-blue-green"
    stacks.mkdir(parents=True)
    (stacks / "dev.json").write_text("{}")
    assert stack_exists(state, project, "dev")
    assert not stack_exists(state, project, "prod")
    # Another project's stack of the same name is not this one's.
    assert not stack_exists(state, _project(tmp_path / "runtime", "ecs-blue-green-runtime"), "dev")
    # A qualified name is left to `pulumi stack select --create`.
    assert not stack_exists(state, project, "organization/ecs-blue-green/dev")
