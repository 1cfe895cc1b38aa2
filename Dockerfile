# stadiumflow server or worker, for the embedded (SQLite) or the Azure Storage backend.
#   docker build -t stadiumflow .
#   docker run -p 8080:8080 stadiumflow                          # server + worker, SQLite
#   docker run -e STADIUMFLOW_BACKEND=azure -e AzureWebJobsStorage=... stadiumflow worker
# A serving install: the locked dependencies without the extras (sim, reports, train) or
# the dev tools, so the image has no SimPy, matplotlib, Flask or LightGBM.
FROM python:3.11-slim AS build
ENV UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY src ./src
RUN uv sync --frozen --no-dev

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 stadiumflow
WORKDIR /app
COPY --from=build --chown=stadiumflow /app /app
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    STADIUMFLOW_DATA_DIR=/data
RUN mkdir /data && chown stadiumflow /data
VOLUME /data
USER stadiumflow
EXPOSE 8080
ENTRYPOINT ["stadiumflow"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
