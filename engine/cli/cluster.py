"""`docclean cluster`: clean a whole archive on a Ray cluster (the cluster extra)."""

import argparse
import sys
from contextlib import closing

from engine.cli.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_MODEL, EXIT_USAGE
from engine.cli.interrupts import noted_interrupts
from engine.cli.shared_options import (
    add_batch_size_option,
    add_format_option,
    add_mode_option,
    add_model_option,
    add_positive_option,
    add_precision_option,
    add_threads_option,
    check_batch_size_and_threads,
)

RESUME_HINT = "run the same command again to resume (the manifest keeps what is done)"


def add_cluster_parser(commands: argparse._SubParsersAction) -> None:
    cluster = commands.add_parser(
        "cluster",
        help="clean a whole archive on a Ray cluster (needs the cluster extra)",
        description="Clean every image under INPUT_URI into OUTPUT_URI with Ray Data: reading "
        "and writing in parallel tasks, cleaning in a pool of actors that each load the model "
        "once. Outputs are named and written as by 'docclean clean'. Every input gets a record "
        "in OUTPUT_URI/docclean-manifest.jsonl; a re-run skips the inputs done with the same "
        "model, mode and --positive. Without --address, a local Ray instance is started.",
        epilog="Exit codes: 0 all cleaned (or done before), 1 some files failed, 2 bad usage, "
        "Ray missing or unreachable, 3 model problem, 130 interrupted (re-run to resume).",
    )
    cluster.add_argument(
        "input",
        metavar="INPUT_URI",
        help="folder or file: a local or shared path, or a URI (s3://, gs://, file://…)",
    )
    cluster.add_argument("output", metavar="OUTPUT_URI", help="output folder: path or URI")
    cluster.add_argument(
        "--address",
        default=None,
        help="Ray cluster to join: 'auto' (one started with 'ray start' here) or "
        "ray://HOST:10001 (default: start a local Ray instance)",
    )
    cluster.add_argument(
        "--workers", type=int, default=0, help="inference actors (default: one per CPU, or GPU)"
    )
    add_threads_option(cluster, help="ONNX Runtime threads per actor (default: CPUs / workers)")
    cluster.add_argument(
        "--device",
        choices=("auto", "cpu", "gpu"),
        default="auto",
        help="auto: GPU actors where the cluster has GPUs and onnxruntime has CUDA (default)",
    )
    add_model_option(cluster)
    add_mode_option(cluster, help="as for clean")
    add_positive_option(cluster)
    add_format_option(cluster, help="as for clean")
    add_precision_option(cluster, help="as for clean (auto decides by this machine's CPU)")
    add_batch_size_option(cluster)
    cluster.add_argument(
        "--overwrite", action="store_true", help="redo every input, whatever the manifest says"
    )
    cluster.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    cluster.set_defaults(check=check_cluster_args, run=run_cluster)


def check_cluster_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    check_batch_size_and_threads(parser, args)
    if args.workers < 0:
        parser.error("--workers must be >= 0")


def run_cluster(args: argparse.Namespace) -> int:
    from engine.cli.summary import print_cluster_summary
    from engine.cluster import ClusterError, ClusterSummary, import_ray
    from engine.cluster import run_cluster as run
    from engine.errors import ModelError

    summary = None
    try:
        import_ray()  # says how to install Ray before anything else happens
        items = run(
            args.input,
            args.output,
            model=args.model,
            mode=args.mode,
            output_format=args.format,
            workers=args.workers,
            threads=args.threads,
            batch_size=args.batch_size,
            precision=args.precision,
            device=args.device,
            overwrite=args.overwrite,
            as_positive=args.positive,
            address=args.address,
            progress=not args.quiet,
        )
        with noted_interrupts() as raise_if_interrupted, closing(items):
            for item in items:
                raise_if_interrupted()  # a Ctrl+C that Ray's callbacks dropped
                if isinstance(item, ClusterSummary):
                    summary = item
            raise_if_interrupted()
    except ModelError as error:
        print(f"docclean: {error}", file=sys.stderr)
        return EXIT_MODEL
    except (ClusterError, ConnectionError) as error:
        print(f"docclean: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"\ninterrupted: no partial files were written; {RESUME_HINT}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:
        if not type(error).__module__.startswith("ray"):
            raise
        print(f"docclean: Ray stopped the job ({error}); {RESUME_HINT}", file=sys.stderr)
        return EXIT_FAILED
    return print_cluster_summary(summary)
