"""Lincoln moved to tests/factories.py (`lincoln`); this name stays only for
tests/catalog/test_reach.py, which another branch is changing: delete it with that import."""

from tests.factories import LINCOLN_TODAY as TODAY
from tests.factories import YEAR_START
from tests.factories import lincoln as build_lincoln

__all__ = ["TODAY", "YEAR_START", "build_lincoln"]
