"""Personal data: a learner's erasure on request, and the retention purge of message texts."""
