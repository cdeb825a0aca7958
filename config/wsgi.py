import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from apps.core.startup import ready_for_requests  # noqa: E402 - needs the apps loaded above

ready_for_requests()
