"""Root conftest: only loads the fixture plugins; fixtures live beside the tests that use them."""

pytest_plugins = ["tests.fixtures.database"]
