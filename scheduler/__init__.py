"""The scheduler process: periodic jobs, exactly one instance per database."""
