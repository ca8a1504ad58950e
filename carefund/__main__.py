"""`python -m carefund` runs the command line."""

from carefund.cli import main

main()
