"""The cross-account-access program: config in, one component, stack outputs out."""
