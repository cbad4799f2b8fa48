"""``python -m neurosim.benchmarks.faults``: run the doctor's fault benchmark."""

import sys

from neurosim.benchmarks.faults.run import main

sys.exit(main())
