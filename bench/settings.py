"""Settings of the benchmarked app: the production settings, served without a manifest.

Everything else comes from the environment ``bench.run`` sets (DEBUG off, a throwaway
secret key, plain HTTP on 127.0.0.1). Only the static files storage differs: the bench
does not run ``collectstatic``, so ``{% static %}`` must not need a manifest.
"""

from crmsite.settings import *  # noqa: F403
from crmsite.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
