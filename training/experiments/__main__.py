"""`python -m training.experiments`: run every experiment and rewrite docs/experiments.md."""

from training.experiments.runner import main

raise SystemExit(main())
