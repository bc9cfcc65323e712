"""The ECS release controller: ECS-native blue/green, linear and canary (docs/controllers.md)."""
