# Zonekeeper as an OCI image: `docker build -t zonekeeper .`, then
#   docker run -p 8080:8080 -p 53:53/udp -p 53:53/tcp -v zonekeeper:/var/lib/zonekeeper zonekeeper
# The image builds with the repository's own `zk build` (the same site and binary as `./zk run`),
# and runs with its private PostgreSQL in the volume unless DATABASE_URL names one.
# Not built by the test suite: CI machines here have no container daemon and no registry access.

FROM rust:1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
ENV CARGO_TARGET_DIR=/src/target CARGO_INCREMENTAL=0
# zk installs the wasm32 target and wasm-opt (wasm-bindgen is the workspace's zk-bindgen), then
# builds the site (target/site) and the release binary.
RUN ./zk build

FROM debian:bookworm-slim
# PostgreSQL's server binaries for the private cluster (unused when DATABASE_URL is set).
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/zonekeeper --create-home zonekeeper
COPY --from=build /src/target/release/zonekeeper /usr/local/bin/zonekeeper
COPY --from=build /src/target/site /usr/share/zonekeeper/site
ENV LEPTOS_SITE_ROOT=/usr/share/zonekeeper/site \
    LEPTOS_OUTPUT_NAME=zonekeeper \
    LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_ENV=PROD \
    ZONEKEEPER_DATA_DIR=/var/lib/zonekeeper \
    ZONEKEEPER_HTTP_ADDR=0.0.0.0:8080 \
    ZONEKEEPER_DNS_ADDR=0.0.0.0:53
# Not root: PostgreSQL refuses to run as root, and nothing here needs it (containers may bind
# port 53 unprivileged since Docker 20.10; elsewhere add CAP_NET_BIND_SERVICE).
USER zonekeeper
VOLUME /var/lib/zonekeeper
EXPOSE 8080 53/udp 53/tcp
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/zonekeeper"]
CMD ["serve"]
