"""Blue/green releases of a containerised service on Amazon ECS, by CodeDeploy or by ECS itself.

`BlueGreenService` is imported lazily: the dynamic provider's process and small tools import
single submodules (`components.stack_config`, `components.release.codedeploy.release`) and should
not pay for loading every AWS resource type.
"""

from typing import TYPE_CHECKING, Any

from components.args import AutoscalingArgs, BlueGreenServiceArgs

if TYPE_CHECKING:
    from components.blue_green_service import BlueGreenService

__all__ = ["AutoscalingArgs", "BlueGreenService", "BlueGreenServiceArgs"]


def __getattr__(name: str) -> Any:
    if name == "BlueGreenService":
        from components.blue_green_service import BlueGreenService  # noqa: PLC0415 (lazy on purpose)

        return BlueGreenService
    raise AttributeError(name)
