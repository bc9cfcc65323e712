"""Offline runs of the real Pulumi CLI: modelled provider plugins and the program host.

See docs/offline.md for what `scripts/offline` does and what the models leave out.
"""
