"""The cross-account guardrails policy pack (rules in ``policy.rules``; the pack in ``__main__.py``)."""
