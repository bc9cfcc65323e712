"""Release controllers: how a new task definition reaches production traffic."""
