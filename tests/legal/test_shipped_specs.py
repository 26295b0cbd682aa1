"""The schemas ship inside the package: an installed Takedown validates what it files with
nothing beside it, and the shipped copies are the project's reference copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from takedown.config import Settings
from takedown.legal import dsa, ncmec

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "specs"


def test_the_package_finds_its_own_schemas_with_nothing_configured(tmp_path):
    settings = Settings(environment="test", data_dir=tmp_path)
    assert ncmec.schema_path(settings) == ncmec.SHIPPED_XSD
    assert dsa.schema_path(settings) == dsa.SHIPPED_SCHEMA
    assert "src/takedown/legal/specs" in ncmec.SHIPPED_XSD.as_posix()


@pytest.mark.parametrize(
    ("shipped", "reference"),
    [
        (ncmec.SHIPPED_XSD, "ncmec/cybertipline.xsd"),
        (dsa.SHIPPED_SCHEMA, "dsa/statement-of-reasons.schema.json"),
    ],
)
def test_the_shipped_copies_are_the_reference_copies(shipped, reference):
    if not (REFERENCE / reference).is_file():
        pytest.skip("the reference copies are not beside this checkout")
    assert shipped.read_bytes() == (REFERENCE / reference).read_bytes()
