# TEST STAND-IN for the official `swift:*-bookworm` image, built by scripts/compose-test.sh only when that image
# cannot be pulled (a build machine without Docker Hub). Never used by README's `docker compose up`.
#
# The same layout as the official image: Debian 12 with the toolchain's system dependencies, and the Swift
# toolchain under /usr. The toolchain is the one already on the build machine (copied into the build context by
# compose-test.sh), and so are its copies of the Swift packages (wherever git on the build machine reads github.com
# addresses from), here in /usr/local/src/swift-packages: `swift build` resolves Package.swift's dependencies offline.
ARG BASE_IMAGE=baton-test/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        binutils ca-certificates git gnupg2 libc6-dev libcurl4-openssl-dev libedit2 libgcc-12-dev libncurses-dev \
        libpython3-dev libsqlite3-0 libstdc++-12-dev libxml2-dev libz3-dev pkg-config tzdata zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
COPY toolchain/usr/ /usr/
COPY swift-packages/ /usr/local/src/swift-packages/
RUN git config --system url./usr/local/src/swift-packages/.insteadOf https://github.com/ \
    && git config --system --add safe.directory '*' \
    && swift --version
