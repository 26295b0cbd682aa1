"""The Synapse module: loaded by `modules:` in homeserver.yaml, on the main process."""

from __future__ import annotations

import logging
from io import BytesIO
from typing import Any

from synapse.api.errors import Codes, SynapseError
from synapse.http.server import DirectServeJsonResource
from synapse.http.site import SynapseRequest
from synapse.logging.context import current_context
from synapse.module_api import NOT_SPAM, ModuleApi

from takedown_synapse import config as config_module
from takedown_synapse.actions import Applier
from takedown_synapse.config import AdapterConfig
from takedown_synapse.poller import Poller
from takedown_synapse.state import State
from takedown_synapse.synapse_admin import Mxc, NotFound, SynapseAdmin, SynapseUnavailable
from takedown_synapse.takedown_api import TakedownClient, Upload
from takedown_synapse.upload_check import sniff, verdict
from takedown_synapse.webhook import Rejected, WebhookHandler

log = logging.getLogger(__name__)

BOT_DEVICE = "TAKEDOWN_ADAPTER"
MAX_BACKOFF_S = 60.0  # Takedown down or refusing (429): poll again at most this late
HOLD_TRIES = 50  # a held upload is quarantined once its row is stored (within ~10 s)


class TakedownModule:
    def __init__(self, config: AdapterConfig, api: ModuleApi) -> None:
        self.api = api
        self.config = config
        self.state = State(config.state_path)
        self.takedown = TakedownClient(config)
        self._token: str | None = None
        self.admin = SynapseAdmin(config.synapse_url, self._current_token, config.timeout_s)
        self.poller = Poller(config, self.state, self.admin, self.takedown)
        self.webhooks = WebhookHandler(
            config.webhook_secret, Applier(self.state, self.admin, api.server_name)
        )
        self._polling = False
        self._backoff = 0.0
        self._resume_at = 0.0
        api.register_spam_checker_callbacks(check_media_file_for_spam=self.check_media_file)
        api.register_web_resource(config.webhook_path, WebhookResource(self))
        if api.should_run_background_tasks():
            api.looping_background_call(
                self.poll, config.poll_interval_s * 1000, desc="takedown_poll_reports"
            )

    @staticmethod
    def parse_config(raw: dict[str, Any]) -> AdapterConfig:
        return config_module.parse(raw)

    def _current_token(self) -> str:
        if self._token is None:
            raise SynapseUnavailable("the adapter's admin account is not ready yet")
        return self._token

    async def ensure_admin(self) -> None:
        """The adapter's own admin account (`bot_localpart`) and its token, kept in the
        state file and reused while it works, so restarts do not pile up tokens."""
        if self._token is not None:
            return
        user_id = self.api.get_qualified_user_id(self.config.bot_localpart)
        if await self.api.check_user_exists(user_id) is None:
            await self.api.register_user(self.config.bot_localpart, admin=True)
        elif not await self.api.is_user_admin(user_id):
            # Never promote someone else's account: a user may have taken the name first.
            raise SynapseUnavailable(f"{user_id} exists and is not an admin: set bot_localpart")
        kept = self.state.bot_token
        if kept and await self.api.defer_to_thread(self.admin.whoami, kept) == user_id:
            self._token = kept
            return
        _device, token, _expiry, _refresh = await self.api.register_device(user_id, BOT_DEVICE)
        self.state.set_bot_token(token)
        self._token = token

    async def poll(self) -> None:
        now = self.api.get_current_time_msec() / 1000
        if self._polling or now < self._resume_at:  # no overlap; back off after failures
            return
        self._polling = True
        try:
            await self.ensure_admin()
            await self.api.defer_to_thread(self.poller.poll_once)
            self._backoff = 0.0
        except Exception as exc:  # the next try resumes from the recorded position
            self._backoff = min(MAX_BACKOFF_S, max(self._backoff * 2, self.config.poll_interval_s))
            self._resume_at = now + self._backoff
            log.warning("takedown report poll stopped (next in %.1f s): %r", self._backoff, exc)
        finally:
            self._polling = False

    async def check_media_file(self, file_wrapper: Any, file_info: Any) -> Any:
        if file_info.thumbnail is not None:
            return NOT_SPAM  # the original was checked
        buffer = BytesIO()
        await file_wrapper.write_chunks_to(buffer.write)
        data = buffer.getvalue()
        local = file_info.server_name is None and not file_info.url_cache
        server = file_info.server_name or self.api.server_name
        upload = Upload(
            media_id=f"mxc://{server}/{file_info.file_id}",
            uploader=_uploader() if local else None,
            mime=sniff(data),
            data=data,
        )
        answer = await self.api.defer_to_thread(
            verdict, self.takedown, upload, self.config.fail_open
        )
        if answer == "block":
            return Codes.FORBIDDEN
        if answer == "hold":
            self.api.run_as_background_process(
                "takedown_hold_upload", self._quarantine_when_stored, Mxc(server, file_info.file_id)
            )
        return NOT_SPAM

    async def _quarantine_when_stored(self, mxc: Mxc) -> None:
        """Synapse stores an upload's row just after this check: quarantine it then."""
        await self.ensure_admin()
        for _ in range(HOLD_TRIES):
            try:
                await self.api.defer_to_thread(self.admin.quarantine, mxc)
                return
            except (NotFound, SynapseUnavailable):
                await self.api.sleep(0.2)
        log.error("held upload %s could not be quarantined", mxc)


def _uploader() -> str | None:
    """The uploading user: Synapse does not pass it to the callback, but the request's
    logging context carries it. None outside a request."""
    request = getattr(current_context(), "request", None)
    requester = getattr(request, "requester", None)
    return requester if isinstance(requester, str) and requester.startswith("@") else None


class WebhookResource(DirectServeJsonResource):
    def __init__(self, module: TakedownModule) -> None:
        super().__init__()
        self.module = module

    async def _async_render_POST(self, request: SynapseRequest) -> tuple[int, dict]:
        body = request.content.read() if request.content else b""
        headers = {
            k.decode("latin-1").lower(): v[0].decode("latin-1")
            for k, v in request.requestHeaders.getAllRawHeaders()
        }
        try:
            event = self.module.webhooks.verify(body, headers)
            await self.module.ensure_admin()
            outcome = await self.module.api.defer_to_thread(self.module.webhooks.apply, event)
        except Rejected as exc:
            raise SynapseError(exc.status, str(exc), exc.code) from exc
        except SynapseUnavailable as exc:  # the admin account is not ready yet
            raise SynapseError(503, str(exc), Codes.UNKNOWN) from exc
        return 200, {"applied": outcome.applied, "detail": outcome.detail}
