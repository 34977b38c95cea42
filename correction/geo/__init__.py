"""Geography: fences (jurisdiction polygons). Datum conversion and verdicts arrive with check-ins."""
