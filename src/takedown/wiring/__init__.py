"""The composition root: what the app, the worker and the demo assemble from the rooms.

Rooms import only the rooms below them; what a room below sets off in a room above
(a statement of reasons for an action, the legal duties of a confirmation, a TAKE IT DOWN
clock) is a domain event, and this is where the subscribers are wired to it. The schema
(every room's tables, for Alembic) and the worker (every room's jobs and loops) are
assembled here for the same reason.
"""

from takedown.wiring import readiness
from takedown.wiring.subscribers import wire
from takedown.wiring.worker import run_worker

__all__ = ["readiness", "run_worker", "wire"]
