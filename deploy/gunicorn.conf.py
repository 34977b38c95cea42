"""gunicorn settings for one sqjz app instance (`gunicorn -c deploy/gunicorn.conf.py wsgi:app`).

The bind address comes from the command line or SQJZ_BIND (systemd's sqjz-app@PORT.service passes
127.0.0.1:PORT), the number of workers from SQJZ_WORKERS or 2 × cores (tech-notes §8: sync workers, about twice
the cores, beat gthread on database endpoints). The scheduler is never started here: `wsgi.py` does not start
one, and it runs as its own unit (sqjz-scheduler.service).
"""

import multiprocessing
import os

bind = [os.environ.get("SQJZ_BIND", "127.0.0.1:8001")]
workers = int(os.environ.get("SQJZ_WORKERS", 2 * multiprocessing.cpu_count()))
worker_class = "sync"
backlog = 2048
# A request that takes longer than this is a bug or a stuck database: the worker is killed and replaced. nginx's
# proxy_read_timeout (deploy/nginx/sqjz-proxy.conf) is longer, so nginx reports the 502, not a 504 race.
timeout = 60
# On SIGTERM (systemctl stop, a rolling restart) the workers finish the requests they hold within this time;
# nginx sends new requests to the other instances meanwhile.
graceful_timeout = 30
# Workers build the app after the fork: each gets its own connection pool and delivery threads (a pool or a
# thread made before fork() would be shared or lost), and a code change needs only a restart.
preload_app = False
# Recycle workers now and then (slow leaks in libraries), staggered so they do not restart together.
max_requests = 20000
max_requests_jitter = 2000
control_socket_disable = True
# X-Forwarded-Proto from nginx on loopback sets wsgi.url_scheme; the client address is the app's ProxyFix
# (TRUSTED_PROXIES=1 behind one nginx).
forwarded_allow_ips = "127.0.0.1"
# The access log names the path without its query string: a search may carry an ID number (?q=...).
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
errorlog = "-"
loglevel = "info"
