# One image for the API, the workers, the scheduler and the one-shot migration.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY schema ./schema
COPY src ./src
COPY workers ./workers
RUN pip install --no-cache-dir . && useradd --system --uid 10001 court
USER court
EXPOSE 8000
CMD ["exec-center", "serve", "--host", "0.0.0.0", "--port", "8000"]
