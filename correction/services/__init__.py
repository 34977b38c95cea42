"""Use cases, one transaction each; they take plain values and an explicit `as_of`, and raise domain errors."""
