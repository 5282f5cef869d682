"""Root conftest: loads the fixture plugins (fixtures live beside the tests that use them) and
the Hypothesis profile every property test runs under."""

from hypothesis import settings

pytest_plugins = ["tests.fixtures.database"]

# No deadline: Hypothesis fails an example that takes over 200 ms, a timed assertion by
# another name, and on a loaded 2-core machine a pure function's first example can (the
# review chart's bars failed so once, then passed 20,000 examples). Speed is measured by
# benchmarks/, never asserted in tests.
settings.register_profile("joinedup", deadline=None)
settings.load_profile("joinedup")
