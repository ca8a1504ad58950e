"""`python -m cli` runs the command line (the `carefund` command)."""

from cli.main import main

main()
