"""Fargate task sizes: the only cpu/memory pairs AWS accepts for a Fargate task.

Source: the ECS developer guide, "Task CPU and memory" (Linux, platform version 1.4.0), and
"Troubleshoot Amazon ECS task definition invalid CPU or memory errors"
(https://docs.aws.amazon.com/AmazonECS/latest/userguide/task-cpu-memory-error.html): one table
for every task definition that requires FARGATE, so it is checked whatever the task's
`cpuArchitecture` (X86_64 or ARM64).
"""

from __future__ import annotations


def _range(start: int, stop: int, step: int) -> tuple[int, ...]:
    return tuple(range(start, stop + 1, step))


#: vCPU units (1024 = 1 vCPU) -> allowed memory in MiB.
FARGATE_MEMORY_BY_CPU: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: _range(1024, 4096, 1024),
    1024: _range(2048, 8192, 1024),
    2048: _range(4096, 16384, 1024),
    4096: _range(8192, 30720, 1024),
    8192: _range(16384, 61440, 4096),
    16384: _range(32768, 122880, 8192),
}


def describe_allowed_memory(cpu: int) -> str:
    """A short human description of the memory values allowed for `cpu`."""
    values = FARGATE_MEMORY_BY_CPU[cpu]
    if len(values) <= 3:
        return ", ".join(str(v) for v in values)
    step = values[1] - values[0]
    return f"{values[0]}..{values[-1]} in steps of {step}"
