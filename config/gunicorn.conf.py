"""gunicorn settings: ``gunicorn -c config/gunicorn.conf.py config.wsgi``.

Each value can be set from the environment; a command-line option overrides it.

- ``WEB_CONCURRENCY`` worker processes (default: CPU cores + 1) and
  ``GUNICORN_THREADS`` threads in each (default 4): a request mostly waits for
  PostgreSQL, so a few threads per process keep the cores busy, and a process
  per core (plus one) keeps the GIL from being the limit.
- The application is loaded once in the master before the workers fork
  (``preload_app``): start-up costs once, and the objects frozen at the end of
  ``config/wsgi.py`` (see ``apps/core/startup.py``) stay shared with the workers.
  No database connection is opened before the fork; each worker opens its own.
- Each worker thread keeps its database connection between requests
  (``CONN_MAX_AGE``, a minute unless set; opening a PostgreSQL connection costs
  more than taking an order), checked before each request (``CONN_HEALTH_CHECKS``).
- Client connections stay open ``GUNICORN_KEEPALIVE`` seconds, for a load
  balancer that reuses them.
"""

from __future__ import annotations

import os

# Read by config/settings.py when the application loads (after this file).
os.environ.setdefault("CONN_MAX_AGE", "60")
os.environ.setdefault("CONN_HEALTH_CHECKS", "true")

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", str((os.cpu_count() or 1) + 1)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "30"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
