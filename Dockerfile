# syntax=docker/dockerfile:1
# leakscan's container image: one static binary on Alpine, with git for `leakscan audit`.
#
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/src" ghcr.io/leakscan/leakscan scan .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/src" ghcr.io/leakscan/leakscan history .
#
# Pass --user as above: the image runs as uid 65532 otherwise, which can neither write a
# report (-o) into a directory you own nor open your git repository for `history` and
# `staged`: libgit2 refuses a repository owned by another user ("repository path '/src/' is
# not owned by current user", git's safe.directory check; leakscan keeps that check on).
# Without --user, `history` needs a safe.directory entry in the container's git config:
#   -v "$PWD/safe.gitconfig:/home/leakscan/.gitconfig:ro"   with   [safe] directory = /src
# (libgit2 reads $HOME/.gitconfig; it does not read GIT_CONFIG_GLOBAL). `scan` works either way.
#
# Built by .github/workflows/release.yml for linux/amd64 and linux/arm64, with the same
# ci/build-release.sh the release archives come from.

# ---- build: the release archive for this platform's musl target ----
FROM rust:1-alpine AS build
# bash runs ci/build-release.sh; build-base (a C compiler, make, musl-dev) builds the C code
# of libgit2, which git2 vendors (default features off: no OpenSSL, no SSH), and of ring;
# cmake builds zlib-ng, which ci/build-release.sh then links libgit2 against.
RUN apk add --no-cache bash build-base cmake
WORKDIR /build
COPY . .
# musl targets link statically by default: the binary needs no libc at run time.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    bash ci/build-release.sh "$(uname -m)-unknown-linux-musl" /dist \
    && tar -xzf /dist/leakscan-*.tar.gz -C /dist \
    && cp /dist/leakscan-*/leakscan /dist/leakscan

# ---- the image: the binary, and git for `leakscan audit` ----
# Alpine rather than an empty base: `audit` clones and fetches with the git command line, and
# Kubernetes or CI jobs wrap leakscan in a shell to map its exit codes. No CA certificates
# are needed by leakscan itself (--verify uses rustls with compiled-in roots); they are there
# for git's https clones.
FROM alpine:3.21
LABEL org.opencontainers.image.title="leakscan" \
      org.opencontainers.image.description="Fast secret-leak scanner for source trees, git history and staged changes" \
      org.opencontainers.image.source="https://github.com/leakscan/leakscan" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"
RUN apk add --no-cache git ca-certificates \
    && adduser -D -u 65532 -h /home/leakscan leakscan
COPY --from=build /dist/leakscan /usr/local/bin/leakscan
USER 65532:65532
ENV HOME=/home/leakscan
RUN ["/usr/local/bin/leakscan", "--version"]
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/leakscan"]
CMD ["scan", "."]
