"""The domain of community correction: models, rules, services. Knows nothing of HTTP."""
