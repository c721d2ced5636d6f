"""`python -m training.synthetic`."""

from training.synthetic.cli import main

main()
