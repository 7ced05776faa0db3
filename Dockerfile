# Mitsprache: the wheel alone, in a virtual environment, run as a non-root user.
#
# BASE: any Debian-based image with python3 (3.11 or newer) and its venv module. The default is the
# official one; where no registry can be reached, build a base with debootstrap and pass it with
# --build-arg BASE=... (docs/operating.md, "Container").
# WHEELHOUSE: a folder in the build context holding the wheels of all dependencies (and of setuptools
# and wheel, for building ours): then nothing is downloaded during the build. Empty: from PyPI.
ARG BASE=python:3.11-slim-bookworm

FROM ${BASE} AS build
ARG WHEELHOUSE=
COPY . /src
# The wheel is built first and installed alone (with its dependencies); the app then needs neither
# pip nor setuptools, so they leave the environment.
RUN set -e; \
    if [ -n "$WHEELHOUSE" ]; then set -- --no-index --find-links "/src/$WHEELHOUSE"; fi; \
    python3 -m venv /opt/mitsprache; \
    /opt/mitsprache/bin/pip wheel --no-cache-dir --disable-pip-version-check "$@" --no-deps -w /dist /src; \
    /opt/mitsprache/bin/pip install --no-cache-dir --disable-pip-version-check "$@" /dist/mitsprache-*.whl; \
    /opt/mitsprache/bin/pip uninstall --yes --disable-pip-version-check pip setuptools; \
    # The libraries' own test suites (numpy's alone is about 15 MB) are never imported by the app.
    find /opt/mitsprache/lib -type d -name tests -prune -exec rm -rf {} +

FROM ${BASE}
RUN useradd --create-home --uid 10001 mitsprache
COPY --from=build /opt/mitsprache /opt/mitsprache
ENV PATH=/opt/mitsprache/bin:$PATH \
    MITSPRACHE_DATA_DIR=/home/mitsprache/data \
    PYTHONUNBUFFERED=1
USER mitsprache
WORKDIR /home/mitsprache
# Fail the build on a broken catalog or questionnaire, instead of at 3 a.m.; this also proves that
# the wheel carries them.
RUN mitsprache catalogs check >/dev/null && \
    python -c "from dialogs.definitions import load_catalogue; load_catalogue()" && \
    mkdir -p /home/mitsprache/data
VOLUME ["/home/mitsprache/data"]
EXPOSE 8080
# /healthz answers in every mode of `mitsprache run`: webhook, long polling, the web chat alone.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MITSPRACHE_LISTEN_PORT', '8080'), timeout=4)" || exit 1
# Migrations are idempotent; applying them on every start keeps deployments one step.
CMD ["sh", "-c", "mitsprache db upgrade && exec mitsprache run"]
