"""cross-account-access: build the side of AWS cross-account access this stack's config asks for.

Config is read and checked first (program.settings): bad input fails here,
before any resource is registered. Then one component is built and the
stack outputs of the contract are exported (program.stacks).
"""

from program import settings, stacks

stacks.build(settings.load())
