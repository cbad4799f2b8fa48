"""``python -m neurosim.benchmarks.engines``: run the benchmark with the options that follow."""

import sys

from neurosim.benchmarks.engines.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m neurosim.benchmarks.engines"))
