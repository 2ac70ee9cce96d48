# gridgis in a container: the map app built with Node, the binary with Go,
# both copied into a small Debian image. Used by docker-compose.yml.
FROM node:20-bookworm AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/gridgis ./cmd/gridgis

FROM debian:bookworm-slim
# ogr2ogr reads grid boundaries sent as Shapefile, GeoPackage or MapInfo TAB.
RUN apt-get update && apt-get install -y --no-install-recommends gdal-bin && rm -rf /var/lib/apt/lists/*
RUN useradd --system --home /var/lib/gridgis --create-home gridgis
COPY --from=build /out/gridgis /usr/local/bin/gridgis
COPY --from=web /src/frontend/dist /srv/gridgis/web
ENV GRIDGIS_WEB_DIR=/srv/gridgis/web \
    GRIDGIS_ADDR=0.0.0.0:8080
USER gridgis
EXPOSE 8080
CMD ["sh", "-c", "gridgis seed --demo && exec gridgis serve"]
