# A plain mirror of the README's steps: build on Debian 12, run as a non-root user.
FROM debian:12-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      cmake g++ make pkg-config libnghttp2-dev nlohmann-json3-dev libssl-dev \
      zlib1g-dev libsqlite3-dev libre2-dev libcpp-httplib-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake ./cmake
COPY emulator ./emulator
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBEDROCK_EMULATOR_TESTS=OFF \
    && cmake --build build -j"$(nproc)" --target bedrock-emulator

FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      libnghttp2-14 libssl3 zlib1g libsqlite3-0 libre2-9 libcpp-httplib0.11 curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/bedrock-emulator emulator
COPY --from=build /src/build/bedrock-emulator /usr/local/bin/bedrock-emulator
COPY scenarios /etc/bedrock-emulator/scenarios
USER emulator
WORKDIR /var/lib/bedrock-emulator
EXPOSE 4599
ENV BEDROCK_EMULATOR_PORT=4599
HEALTHCHECK --interval=10s --timeout=2s --retries=3 \
  CMD curl -fsS http://127.0.0.1:4599/_emulator/health || exit 1
ENTRYPOINT ["bedrock-emulator", "--host", "0.0.0.0", "--data-dir", "/var/lib/bedrock-emulator/data", \
            "--scenarios", "/etc/bedrock-emulator/scenarios"]
