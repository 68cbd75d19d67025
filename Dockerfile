# The comments service image: a Debian build stage, and a scratch runtime stage holding only the
# two executables, the shared libraries they load (their ldd closure) and a passwd entry.
# Build: docker build . (or scripts/image.sh, which also works offline with podman; see docs/image.md)

# ---- build: the release preset, only the two executables, with the README's dependency script ----
FROM debian:bookworm-slim AS build
WORKDIR /src
# Dependencies first: this layer stays cached until scripts/deps.sh changes.
COPY scripts/deps.sh scripts/deps.sh
RUN bash scripts/deps.sh build \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ccache >/dev/null \
 && rm -rf /var/lib/apt/lists/*

# Only what the two executables are built from (tests, docs and charts do not invalidate the build).
COPY CMakeLists.txt CMakePresets.json ./
COPY cmake cmake
COPY service service
COPY ctl ctl
# Compiled first without the revision, so that a new revision of the same sources (a rebuild for
# another tag) only recompiles the three files that print it and relinks. The compiler cache lives
# in a build cache mount (BuildKit and buildah keep it between builds, never in the image): a
# rebuild after a change to a few sources recompiles only those.
RUN --mount=type=cache,target=/root/.cache/ccache,id=comments-ccache \
    cmake --preset release -DCOMMENTS_BUILD_TESTS=OFF -DCOMMENTS_REVISION=unknown \
      -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null \
 && cmake --build --preset release --target comments-service commentsctl
# .git is not in the build context: the revision comes in as a build argument.
ARG REVISION=unknown
RUN --mount=type=cache,target=/root/.cache/ccache,id=comments-ccache \
    cmake --preset release -DCOMMENTS_BUILD_TESTS=OFF -DCOMMENTS_REVISION="${REVISION}" >/dev/null \
 && cmake --build --preset release --target comments-service commentsctl

# The runtime file system, assembled in /rootfs: stripped executables, every shared library ldd
# reports (the dynamic loader included) at the path the loader looks for it, the CA bundle for
# commentsctl's registry calls, and the users and name-service files glibc reads.
RUN set -eu; \
    install -d -m 0755 /rootfs/usr/local/bin /rootfs/etc/ssl/certs; \
    printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
      'comments:x:65532:65532:comments:/var/lib/comments:/sbin/nologin' >/rootfs/etc/passwd; \
    printf '%s\n' 'root:x:0:' 'comments:x:65532:' >/rootfs/etc/group; \
    printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' >/rootfs/etc/nsswitch.conf; \
    install -d -m 1777 /rootfs/tmp; \
    install -d -m 0750 -o 65532 -g 65532 /rootfs/var/lib/comments; \
    for exe in comments-service commentsctl; do \
      strip --strip-all -o "/rootfs/usr/local/bin/${exe}" "build/release/bin/${exe}"; \
      chmod 0755 "/rootfs/usr/local/bin/${exe}"; \
    done; \
    if ldd /rootfs/usr/local/bin/* | grep 'not found'; then exit 1; fi; \
    ldd /rootfs/usr/local/bin/* \
      | awk '$2 == "=>" && $3 ~ /^\// { print $3 } NF == 2 && $1 ~ /^\// { print $1 }' | sort -u \
      | while read -r lib; do install -D -m 0644 "$(readlink -f "$lib")" "/rootfs${lib}"; done; \
    find /rootfs -name 'ld-linux*' -exec chmod 0755 {} +; \
    cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/; \
    chmod 0644 /rootfs/etc/passwd /rootfs/etc/group /rootfs/etc/nsswitch.conf

# ---- runtime: no shell, no package manager ----
FROM scratch
ARG SOURCE=https://github.com/example/comments
ARG VERSION=0.1.0
ARG REVISION=unknown
# org.opencontainers.image.created is left out so that the same sources give the same labels.
LABEL org.opencontainers.image.title="comments" \
      org.opencontainers.image.description="Comments HTTP service and its operator CLI (commentsctl)" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY --from=build /rootfs/ /
COPY --from=build --chown=65532:65532 /rootfs/var/lib/comments /var/lib/comments
ENV STORAGE_URL=sqlite:/var/lib/comments/comments.db
# Debian's OpenSSL looks for CA certificates under /usr/lib/ssl, which this image does not have:
# point it at the bundle copied above, so commentsctl verifies registries and smoke URLs over TLS.
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
# SQLite falls back to the working directory for temporary files when /tmp is read-only.
WORKDIR /var/lib/comments
VOLUME /var/lib/comments
USER 65532:65532
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/comments-service", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/comments-service"]
