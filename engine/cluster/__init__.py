"""Archive-scale cleaning on a Ray cluster with Ray Data (`docclean cluster`).

    list inputs (driver) ─▶ read and decode (Ray tasks) ─▶ clean (a pool of actors, each
    owning one Denoiser) ─▶ write (Ray tasks) ─▶ one manifest record per file (driver)

Every stage calls the engine's own functions (`plan_jobs`, `read_pages`, `clean_page`,
`to_uint8`, `write_pages`), so outputs are byte-identical to `docclean clean`. Failures stay
per file: each input gets a record in a JSON Lines manifest beside the outputs, and a re-run
skips the inputs already done with the same model and output settings. Ray and pyarrow are
imported inside functions, so `import engine.cluster` works without the `cluster` extra.

Modules: `storage` (local paths and pyarrow filesystems), `planning` (inputs, their
outputs, what is left to do), `manifest` (one record per input), `stages` (the Ray Data
stages), `driver` (the actor pool, Ray, the run).
"""

from engine.cluster.driver import (
    ClusterSummary,
    clean_on_ray,
    import_ray,
    plan_workers,
    run_cluster,
)
from engine.cluster.errors import ClusterError
from engine.cluster.manifest import MANIFEST_NAME, FileRecord, Manifest, output_settings
from engine.cluster.planning import PlannedFile, pending_files
from engine.cluster.storage import Store

__all__ = [
    "MANIFEST_NAME",
    "ClusterError",
    "ClusterSummary",
    "FileRecord",
    "Manifest",
    "PlannedFile",
    "Store",
    "clean_on_ray",
    "import_ray",
    "output_settings",
    "pending_files",
    "plan_workers",
    "run_cluster",
]
