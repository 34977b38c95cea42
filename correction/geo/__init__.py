"""Geography for location check-ins: datum.py (WGS-84 ↔ GCJ-02), fence.py (validating a unit's GeoJSON fence),
fences.py (where a WGS-84 fix lies relative to a polygon or circle, in metres) and places.py (shipped city and
county boundaries, see data/README.md)."""
