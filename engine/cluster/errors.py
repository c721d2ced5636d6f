"""The cluster's own error; the engine's typed errors (`engine/errors.py`) apply as well."""

from engine.errors import DocCleanError


class ClusterError(DocCleanError):
    """Ray is missing or the cluster cannot run the job (no GPU where one was asked for…)."""
