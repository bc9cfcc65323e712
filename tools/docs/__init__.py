"""What builds our documentation: generated tables, the release timeline and the cost model.

None of it ships with the component: nothing under `components/` imports it.
"""
