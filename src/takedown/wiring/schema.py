"""Every room's tables in one metadata, for Alembic and the schema test."""

from takedown.audit import models as _audit  # noqa: F401
from takedown.cases import models as _cases  # noqa: F401
from takedown.db import Base
from takedown.db import counters as _counters  # noqa: F401
from takedown.enforcement import models as _enforcement  # noqa: F401
from takedown.exchanges import models as _exchanges  # noqa: F401
from takedown.legal import models as _legal  # noqa: F401
from takedown.matching import models as _matching  # noqa: F401
from takedown.people import models as _people  # noqa: F401
from takedown.platforms import models as _platforms  # noqa: F401
from takedown.triage import models as _triage  # noqa: F401

metadata = Base.metadata


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate ignores procrastinate's own schema, which its SQL file manages."""
    return not (type_ == "table" and name is not None and name.startswith("procrastinate_"))
