"""gunicorn's settings for the web process (``lessonbot web``, ``lessonbot up``).

Loaded by gunicorn itself (``--config python:bot.ops.gunicorn_conf``); the
address, workers and threads come on the command line (``web_command``).
Logs go through ``bot.logs``: stderr, text or JSON, numbers masked. The
access log names the path without its query string (``%(U)s``): a query
could carry a learner's data, and the staff pages' filters do.
"""

from __future__ import annotations

from bot.logs import dict_config
from bot.settings import load_settings

_ops = load_settings().ops

logconfig_dict = dict_config(_ops.log_format, _ops.log_debug, "web")
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# Twilio waits 15 s for a webhook: a stopping worker finishes its requests within that.
graceful_timeout = 15
