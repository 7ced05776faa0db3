"""`GET /healthz` for every way `mitsprache run` serves: the webhook, long polling (on the listen address,
so a container's health check works without a webhook), and the web chat. 200 when the database
answers, 503 otherwise."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import reachable

PATH = "/healthz"


def add_health(app: web.Application, engine: AsyncEngine) -> None:
    async def healthz(_: web.Request) -> web.Response:
        if await reachable(engine):
            return web.json_response({"status": "ok"})
        return web.json_response({"status": "database unavailable"}, status=503)

    app.router.add_get(PATH, healthz)


def health_app(engine: AsyncEngine) -> web.Application:
    """Only the health check: what long polling serves when the web chat is not in its process."""
    app = web.Application()
    add_health(app, engine)
    return app
