"""The HTTP transport of the fake Bot API: a server on 127.0.0.1 in front of the `FakeTelegram` core, and
the webhook delivery (Telegram POSTing updates to the bot). For the real polling loop, the webhook and
command-line processes; everything else talks to the core in-process (tests/support/fake_session.py).

Start it with `async with FakeTelegram() as fake` (or `await fake.start()`); `fake.base_url` is its address.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from aiohttp import (
    BodyPartReader,
    ClientError,
    ClientResponse,
    ClientSession,
    ClientTimeout,
    MultipartReader,
    web,
)

from tests.support.fake_telegram import (
    MAX_UPLOAD,
    SECRET_HEADER,
    ApiError,
    FakeTelegram,
    Json,
    UploadedFile,
    allowed,
    bad_request,
    caller_gone,
)


class HttpServer:
    """Serves one `FakeTelegram` over HTTP and delivers its webhook updates."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        self._worker: asyncio.Task[None] | None = None
        self._port: int | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD + 1024 * 1024)
        app.router.add_get("/bot{token}/{method}", self._handle)
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        self._client = ClientSession(timeout=ClientTimeout(total=self.fake.webhook_timeout))
        self._worker = asyncio.create_task(self._webhook_worker(), name="fake-telegram-webhook")

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://127.0.0.1:{self._port}"

    def open_connections(self) -> int:
        """Client connections still open; one whose client died counts until its request is handled."""
        assert self._runner is not None and self._runner.server is not None
        return len(self._runner.server.connections)

    # ----- the Bot API over HTTP ----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        try:
            raw, files = await _read_request(request)
        except ApiError as exc:
            return web.json_response(exc.payload(), status=exc.code)

        def gone() -> bool:
            return request.transport is None or request.transport.is_closing()

        caller_gone.set(gone)  # each request runs in a task (and context) of its own
        status, body = await self.fake.request(
            request.match_info["token"], request.match_info["method"], raw, files
        )
        return web.json_response(body, status=status)

    # ----- the webhook -------------------------------------------------------------------------------------

    async def _webhook_worker(self) -> None:
        """Deliver queued updates one at a time, in order (Telegram does not retry here: see the report)."""
        fake = self.fake
        while True:
            update = await fake.webhook_queue.get()
            fake.delivering = True
            try:
                await self._deliver(update)
            finally:
                fake.delivering = False
                fake.webhook_queue.task_done()
                fake.touch()

    async def _deliver(self, update: Json) -> None:
        fake = self.fake
        config = fake.webhook
        if config is None:  # the webhook was deleted meanwhile: back to getUpdates
            fake.back_to_polling(update)
            return
        if not allowed(update, config.allowed_updates):
            return
        headers = {SECRET_HEADER: config.secret} if config.secret else {}
        assert self._client is not None
        reply: tuple[dict[str, Any], dict[str, UploadedFile]] | None = None
        try:
            async with self._client.post(config.url, json=update, headers=headers) as response:
                fake.webhook_statuses.append(response.status)
                if response.status >= 300:
                    fake.last_webhook_error = (
                        int(time.time()),
                        f"Wrong response from the webhook: {response.status}",
                    )
                else:
                    reply = await _read_webhook_reply(response)
        except (ClientError, TimeoutError) as exc:
            fake.webhook_statuses.append(0)
            fake.last_webhook_error = (int(time.time()), f"Connection failed: {exc!r}")
            return
        if reply is not None:
            raw, files = reply
            method = str(raw.pop("method"))
            status, _ = await fake.request(fake.token, method, raw, files, via_webhook_reply=True)
            if status == 404:  # Telegram ignores the outcome; an unknown method is the fake's concern
                fake.internal_errors.append(f"webhook reply with unknown method: {method!r}")


async def _read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.method == "POST" and request.body_exists:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("JSON request body must be an object")
            raw.update(body)
        else:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    files[key] = UploadedFile(value.filename, value.file.read(), value.content_type)
                else:
                    raw[key] = value
    return raw, files


async def _read_webhook_reply(
    response: ClientResponse,
) -> tuple[dict[str, Any], dict[str, UploadedFile]] | None:
    """A Bot API call the webhook answered with in its response body (aiogram can do this), if any."""
    raw: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    if response.content_type == "application/json":
        with contextlib.suppress(ValueError):
            body = json.loads(await response.text())
            if isinstance(body, dict):
                raw = body
    elif response.content_type == "multipart/form-data":
        reader = MultipartReader.from_response(response)
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            data = bytes(await part.read(decode=True))
            if part.filename:
                files[part.name] = UploadedFile(part.filename, data, part.headers.get("Content-Type"))
            else:
                raw[part.name] = data.decode()
    if "method" not in raw:
        return None
    return raw, files
