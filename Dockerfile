# Chairside: build the binary, run it on a slim image as an unprivileged user.
FROM rust:1.88-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin chairside

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home /data chairside \
    && mkdir -p /data && chown chairside /data
COPY --from=build /src/target/release/chairside /usr/local/bin/chairside
USER chairside
ENV CHAIRSIDE_BIND=0.0.0.0:8080 \
    CHAIRSIDE_DATA_DIR=/data \
    CHAIRSIDE_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["chairside"]
CMD ["serve"]
