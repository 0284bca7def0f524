"""``python -m sim`` runs the ``adsim`` command line."""

from sim.cli import main

main()
