"""`python -m scheduler`: the job scheduler as its own process (architecture convention 10)."""

from scheduler.runner import main

main()
