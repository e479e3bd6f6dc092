FROM python:3.11-slim
WORKDIR /srv
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY app ./app
COPY workers ./workers
COPY cypher ./cypher
COPY config ./config
RUN pip install --no-cache-dir -e . && useradd --system --uid 10001 cdp && mkdir /data \
    && chown cdp /data
USER cdp
EXPOSE 8000
CMD ["cdp", "api", "--host", "0.0.0.0", "--port", "8000"]
