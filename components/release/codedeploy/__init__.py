"""The CodeDeploy release controller: deployment group, release resource and AppSpec."""
