"""The scheduler process (`python -m scheduler`): APScheduler jobs that call correction.services.

`registry.py` declares the jobs, `jobs.py` holds their thin bodies, `runs.py` runs one job for one period exactly
once, `lease.py` elects the one leader, `runner.py` is the process, `cli.py` the `flask jobs` commands.
"""
