"""A web process works on `web_threads` requests at once; the others wait their turn."""

from __future__ import annotations

import anyio
import anyio.to_thread

from takedown.config import Settings
from takedown.db import Database
from takedown.web.app import create_app


def test_the_thread_pool_is_as_large_as_configured(settings: Settings, db: Database) -> None:
    app = create_app(settings.model_copy(update={"web_threads": 3}), db=db, run_worker=False)

    async def started() -> float:
        async with app.router.lifespan_context(app):
            return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert anyio.run(started) == 3
