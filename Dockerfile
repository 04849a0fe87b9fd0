# sohoa: one image for the API and the queue workers, built with the same install
# steps as the README and CI (scripts/install.sh: Debian packages, then a virtualenv).
# The user has a fixed uid (10001) so hot folders on the host can be given to it.
FROM debian:12.8-slim

ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    SOHOA_VENV=/opt/sohoa/venv \
    SOHOA_EXTRAS=

WORKDIR /opt/sohoa/src
COPY . .
RUN apt-get update \
    && bash scripts/install.sh \
    && rm -rf /var/lib/apt/lists/* /root/.cache \
    && useradd --system --uid 10001 --home-dir /var/lib/sohoa --create-home sohoa

ENV PATH=/opt/sohoa/venv/bin:$PATH \
    SOHOA_HOME=/var/lib/sohoa \
    SOHOA_LOG_FORMAT=json
USER sohoa
VOLUME ["/var/lib/sohoa"]
ENTRYPOINT ["sohoa"]
CMD ["worker"]
