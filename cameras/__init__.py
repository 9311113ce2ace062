"""Camera registry, probes and event adapters."""
