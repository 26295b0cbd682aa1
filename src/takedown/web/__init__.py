from takedown.web.app import PROCESS_WORKER_ENV, create_app
from takedown.web.live import LiveServer

__all__ = [
    "PROCESS_WORKER_ENV",
    "LiveServer",
    "create_app",
]
