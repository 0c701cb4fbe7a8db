# The model-lens command line in a container: what a Kubernetes Indexed Job (docs/deploy/k8s-indexed-job.yaml)
# or a Slurm job array through Apptainer (docs/deploy/slurm-array.sh) runs. Build it from a clone:
#   docker build -t model-lens:0.1.0 .
# The build stage installs with npm ci (which builds dist/); the image keeps only the bundled command line,
# its worker, the WebAssembly binaries and libvips' WebAssembly build: no node_modules, about 25 MB over Node.
FROM node:20-bookworm-slim AS build
WORKDIR /src
# The dependencies first (a layer kept while only the sources change), then the sources and the build.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /opt/model-lens
COPY --from=build /src/package.json ./
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist/cli.js /src/dist/worker.js /src/dist/tfjs-backend-wasm.wasm /src/dist/tfjs-backend-wasm-simd.wasm /src/dist/tfjs-backend-wasm-threaded-simd.wasm ./dist/
COPY --from=build /src/dist/sharp ./dist/sharp
RUN ln -s /opt/model-lens/bin/model-lens.js /usr/local/bin/model-lens && chmod +x bin/model-lens.js
# Jobs run as the unprivileged user of the Node image; outputs go to mounted folders.
USER node
ENTRYPOINT ["model-lens"]
CMD ["--help"]
