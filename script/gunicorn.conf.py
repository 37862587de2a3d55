"""gunicorn's settings for the web processes (production and benchmarks/storefront_http.sh):

    .venv/bin/gunicorn -c script/gunicorn.conf.py -b 127.0.0.1:8000 wsgi:app

gthread workers keep a browser's connection open between requests (keep-alive): sync workers
close it after every response, so each page view also paid a TCP handshake and a new accept.
Two threads per worker let one worker answer while another request of it waits on the
database; the app keeps nothing per thread but the request's own session. WEB_CONCURRENCY
(workers, 4), GUNICORN_THREADS (2) and GUNICORN_KEEPALIVE (seconds, 5) override the defaults.
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
