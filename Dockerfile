# The hosted dashboard as a container: one app replica (`streamlit run serve.py`) on port 8501, with a health check
# on its readiness endpoint. Run several behind a proxy with sticky sessions (docs/hosting.md, deploy/).
#   docker build -t cx-dashboard .
#   docker run -p 8501:8501 -v /srv/cx:/data -e CX_DB=/data/cx.duckdb \
#     -e CX_ACCESS_LIST=/data/access.toml -e STREAMLIT_SERVER_ALLOWED_HOSTS=cx.example.com \
#     -v /srv/cx/secrets.toml:/app/.streamlit/secrets.toml:ro cx-dashboard
FROM python:3.11-slim-bookworm

WORKDIR /app
# The install step is the project's own script, the one the test command runs on the development machines.
COPY requirements.txt ./
COPY scripts/install.sh scripts/
RUN bash scripts/install.sh
COPY . .

RUN useradd --create-home --uid 10001 cx && mkdir -p /data && chown cx /data
USER cx
ENV CX_DB=/data/cx.duckdb
EXPOSE 8501
# Ready once the database is readable and the first warm-up of the caches is done (a minute or more on a large
# database: the start period covers it).
HEALTHCHECK --interval=30s --timeout=5s --start-period=300s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_cx/ready', timeout=4)"
CMD ["python", "-m", "streamlit", "run", "serve.py", "--server.port", "8501", "--server.address", "0.0.0.0"]
