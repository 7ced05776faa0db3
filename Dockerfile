# Mitsprache: build the wheel in one stage, run it as a non-root user in the next.
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
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER mitsprache
ENV MITSPRACHE_DATA_DIR=/home/mitsprache/data
VOLUME ["/home/mitsprache/data"]
# Migrations are applied on every start; they are idempotent.
CMD ["sh", "-c", "mitsprache db upgrade && exec mitsprache chat"]
