# The lab's image: API, CLI, and (later) workers and scheduler all run from it.
FROM python:3.11-slim-bookworm

# A JRE for Spark jobs; bubblewrap to isolate user Python code; gcc and OpenSSL's headers
# to build the batch HMAC loop of keyed pseudonyms.
RUN apt-get update \
    && apt-get install -y --no-install-recommends default-jre-headless bubblewrap gcc libc6-dev libssl-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/lab
COPY pyproject.toml setup.py README.md ./
COPY lab ./lab
COPY audit ./audit
COPY connectors ./connectors
COPY jobs ./jobs
COPY policies ./policies
COPY zones ./zones
# Installed in place: the lab reads policies/ and zones/ beside its code.
RUN pip install --no-cache-dir --upgrade pip && pip install --no-cache-dir -e .

RUN useradd --system --create-home --home-dir /var/lib/lab lab
USER lab
ENV LAB_HOME=/var/lib/lab
EXPOSE 8700
ENTRYPOINT ["lab"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8700"]
