import pytest

from tests.integration import releases


@pytest.fixture(scope="session")
def release_tree():
    def get(name, version=None):
        try:
            return releases.tree(name, version)
        except releases.Unavailable as exc:
            pytest.skip(f"package index unreachable: {exc}")

    return get


@pytest.fixture(scope="session")
def tagged_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("tagged")

    def get(name):
        try:
            return releases.tagged(name, str(root))
        except releases.Unavailable as exc:
            pytest.skip(f"package index unreachable: {exc}")

    return get


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.integration)
