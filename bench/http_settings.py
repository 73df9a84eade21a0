"""omniretail.settings with bench/http.py's bound view added to the URLs; nothing else."""

from omniretail.settings import *  # noqa: F403

ROOT_URLCONF = "bench.http_urls"
