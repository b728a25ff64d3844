# syntax=docker/dockerfile:1
# Two stages: the build stage installs every dependency and runs ./buildprod.sh; the runtime stage
# holds only bin/ (bundles, templates, conf.json and the few external packages) and runs as `node`.
# One image serves all four services; the command picks one: ./api, ./streamserver, ./scheduler, ./web.

FROM node:20-bookworm-slim AS build
# Compilers for the native addons (bcrypt, better-sqlite3) when no prebuilt binary fits.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifests first, so the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY packages/shared/package.json packages/shared/
COPY services/api/package.json services/api/
COPY services/streamserver/package.json services/streamserver/
COPY services/scheduler/package.json services/scheduler/
COPY services/web/package.json services/web/
RUN npm ci --no-audit --no-fund
COPY . .
RUN ./buildprod.sh

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    VIDEO_DIR=/app/data/videos \
    DATABASE_URL=sqlite:/app/data/video.db
# Debian's ffmpeg/ffprobe: the scheduler's media processing (posters, storyboards, HLS renditions).
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The code stays owned by root (read-only to the service); only data/ is writable.
COPY --from=build /src/bin/ ./
RUN mkdir -p /app/data/videos && chown -R node:node /app/data
USER node
EXPOSE 9003 9004 9005 9006
CMD ["./web"]
