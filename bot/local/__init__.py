"""Developer tools for one machine: ``lessonbot up`` (the whole system) and ``lessonbot chat``."""
