"""cross-account-access: build the side of AWS cross-account access this stack's config asks for.

Config is read and checked first (program.settings): bad input fails here,
before any resource is registered. Then one component is built and the
stack outputs of the contract are exported (program.stacks).
"""

import gc

from program import settings, stacks

# A program of thousands of resources spends a third of its time in full garbage collections at
# Python's default first threshold (700): 10,000 makes them rarer, at the same peak memory
# (docs/benchmarks.md, "Garbage collector"). Cycles are still collected.
gc.set_threshold(10_000, 10, 10)
stacks.build(settings.load())
