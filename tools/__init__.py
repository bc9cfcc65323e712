"""Tooling for this repository that the product does not ship (see `tools.docs`)."""
