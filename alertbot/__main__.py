"""`python -m alertbot` is the same as the `alertbot` command."""

from alertbot.cli import main

raise SystemExit(main())
