# Mitsprache bot image: dependencies are built in the first stage, the app runs as a non-root user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY dialogs ./dialogs
COPY storage ./storage
COPY locales ./locales
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 mitsprache
COPY --from=build /wheels /wheels
# The wheel carries the catalogs, questionnaires and migrations as package data: no checkout needed.
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER mitsprache
ENV MITSPRACHE_DATA_DIR=/home/mitsprache/data \
    PYTHONUNBUFFERED=1
# Fail the build on a broken catalog or questionnaire, instead of at 3 a.m.
RUN mitsprache catalogs check >/dev/null && \
    python -c "from dialogs.definitions import load_catalogue; load_catalogue()"
VOLUME ["/home/mitsprache/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MITSPRACHE_LISTEN_PORT', '8080'), timeout=4)" || exit 1
# Migrations are idempotent; applying them on every start keeps deployments one step.
CMD ["sh", "-c", "mitsprache db upgrade && exec mitsprache run"]
