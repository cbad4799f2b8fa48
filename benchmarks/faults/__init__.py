"""How well the doctor finds faults: injected faults it must name, healthy runs it must leave alone.

    python -m neurosim.benchmarks.faults            # every case, about a minute
    python -m neurosim.benchmarks.faults --list     # the cases, one line each

Each fault case builds a network as a user would and breaks it the way the
user threads do (a learning rate far too large, unscaled inputs, a
perceptron on XOR, zero initialisation, ...). It knows the finding the
doctor must report (its code) and the neurons, synapses or layers it must
name, computed independently of the doctor (``reference.py``: a numpy
forward pass of the network's own weights). Each healthy case trains a
sensible network on which no finding of severity warning or error may
appear. The benchmark prints recall (faults found with the right code, as
a warning or an error), localisation (faults whose finding names exactly
the expected culprits) and precision (healthy runs without a false alarm),
and exits with status 1 below the targets: recall >= 0.9, localisation
>= 0.9, precision >= 0.95.
"""
