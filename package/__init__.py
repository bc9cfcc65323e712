"""`ecs-blue-green` as a Pulumi component package for every language (docs/languages.md)."""
