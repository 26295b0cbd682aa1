from takedown.web.app import create_app
from takedown.web.live import LiveServer

__all__ = [
    "LiveServer",
    "create_app",
]
