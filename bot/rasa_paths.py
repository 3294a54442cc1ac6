"""Where the app reaches Rasa's lessonbot channel (``rasa_runtime.channel``).

A leaf: the worker posts turns there (``bot.messaging.rasa_client``) and
``/readyz`` checks that the channel is there (``bot.ops.health``).
"""

from __future__ import annotations

CHANNEL_PREFIX = "/webhooks/lessonbot"
# The REST channel's request and answer; /intent texts skip NLU.
TURN_WEBHOOK = CHANNEL_PREFIX + "/webhook"
# Its GET answers 200 when Rasa was started with the channel.
CHANNEL_HEALTH = CHANNEL_PREFIX + "/"
# Rasa refuses to start when the channel's module cannot be imported, so a
# Rasa that answers without it was given another credentials file.
NO_CHANNEL = "no lessonbot channel: start Rasa with nlu/credentials.yml (as `lessonbot up` does)"
