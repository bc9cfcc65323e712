"""Where the release resource's provider lived before `components/release/codedeploy/`.

Stacks released before the move hold a dill reference to
`components.codedeploy_deployment.CodeDeployDeploymentProvider` in their state, and the engine
unpickles the *old* state's provider to read or delete the resource. This name keeps those
stacks deletable; new state references `components.release.codedeploy.release`.
"""

from components.release.codedeploy.release import CodeDeployDeploymentProvider

__all__ = ["CodeDeployDeploymentProvider"]
