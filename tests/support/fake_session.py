"""The in-process transport of the fake Bot API: an aiogram session that hands each call to the
`FakeTelegram` core directly, without HTTP.

Parameters are prepared exactly as `AiohttpSession.build_form_data` prepares its form (aiogram's
`prepare_value`: nested objects JSON-encoded, files as `attach://` parts, empty values left out), the core
decodes them as it decodes a form, and the answer goes through aiogram's own `check_response`. So the
same validation applies (4096 characters, 64-byte callback data, unknown chats, 403 for blocked people,
"message is not modified", flood limits) and a refusal raises the same `TelegramAPIError` as over HTTP.
Only the network is left out.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any, cast

from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile

from tests.support.fake_telegram import UploadedFile

if TYPE_CHECKING:
    from aiogram import Bot

    from tests.support.fake_telegram import FakeTelegram

# Never contacted: there is no server. A Bot built on this session still has a well-formed `api`.
IN_PROCESS_URL = "http://fake-telegram.invalid"
UPLOAD_CONTENT_TYPE = "application/octet-stream"  # what aiohttp gives a form part without a type


class FakeSession(BaseSession):
    def __init__(self, fake: FakeTelegram) -> None:
        super().__init__(api=TelegramAPIServer.from_base(IN_PROCESS_URL))
        self.fake = fake
        self.closed = False

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - the signature is BaseSession's
    ) -> TelegramType:
        files: dict[str, InputFile] = {}
        raw: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared:  # as AiohttpSession.build_form_data
                raw[key] = prepared
        uploads = {
            key: UploadedFile(
                file.filename or key, b"".join([chunk async for chunk in file.read(bot)]), UPLOAD_CONTENT_TYPE
            )
            for key, file in files.items()
        }
        status, body = await self.fake.request(bot.token, method.__api_method__, raw, uploads)
        response = self.check_response(
            bot=bot, method=method, status_code=status, content=self.json_dumps(body)
        )
        return cast(TelegramType, response.result)

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - the signature is BaseSession's
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError("the fake Bot API serves no files")
        yield b""  # pragma: no cover - makes this an async generator, as the base class declares

    async def close(self) -> None:
        self.closed = True
