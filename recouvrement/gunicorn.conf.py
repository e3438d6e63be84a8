"""Gunicorn configuration: ``gunicorn -c recouvrement/gunicorn.conf.py``.

Every value can be overridden from the environment so the same file serves a
laptop, a systemd unit and a container. The WSGI application is Django's; static
files are served by WhiteNoise inside it, so no separate static server is needed.
"""

import multiprocessing
import os

wsgi_app = "recouvrement.wsgi:application"

# Loopback by default: a reverse proxy (nginx, a load balancer) terminates TLS in front.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Synchronous workers: Django views are synchronous and the database is the limit.
# Threads let a worker overlap I/O (database, storage) without more memory.
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread" if threads > 1 else "sync"

# A worker that has not notified the master for this long is restarted. With
# threaded workers (gthread, the default here) the heartbeat comes from the
# worker's main loop, not from the request threads: a slow request is NOT cut by
# this timeout. Requests are bounded by the application instead: SEND_DEADLINE
# for e-mail and SMS sends, the database's timeouts for queries.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# Recycle workers now and then so a slow leak never takes a server down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))

# Uploads up to PIECE_MAX_UPLOAD_SIZE go through; headers stay bounded.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# The proxy in front sets X-Forwarded-Proto; trust it only from these addresses.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# No query strings in the access log: searches may contain phone numbers and names.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'

# Load the application in the master before forking: faster starts, shared memory.
# Database connections are opened lazily by each worker, never shared.
preload_app = True
proc_name = "recouvrement"
