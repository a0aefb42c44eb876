import os

from django.core.wsgi import get_wsgi_application

from spbe_portal.request_locals import use_thread_locals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spbe_portal.settings")
application = get_wsgi_application()
# WSGI only: a request runs on one thread (see spbe_portal/request_locals.py).
use_thread_locals()
