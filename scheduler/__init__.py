"""The scheduler process (`python -m scheduler`): APScheduler jobs that call correction.services.

Its runner, job registry and jobs arrive with the scheduler issue; until then nothing here runs.
"""
