"""The IAM layer: what AWS IAM is, as pure functions and values (no pulumi)."""
