# vppnet — the user runs `make wasm && npm test` (= `make test`); `make demo` is the main job.
SHELL := /bin/bash
EMCC ?= emcc
NODE_GYP := npx --no-install node-gyp

CORE_SRC := $(wildcard wasm/src/*.c)
CORE_HDR := wasm/include/vppnet_core.h $(wildcard wasm/src/*.h)
WASM_OUT := wasm/build/vppnet_core.wasm
ADDON    := host/build/Release/vppnet_host.node

# Standalone module, no WASI, no emscripten JS runtime; linear memory imported
# (non-shared: JS copies into it run ~2.5x faster than into a shared memory,
# and WASM atomics work on it too), its base never moves, segments are mapped
# over regions the module reserves. 4 GiB (the wasm32 limit): each cut-through
# peer app maps a 128 MiB segment, so the maximum bounds the peers per process.
WASM_FLAGS := -O2 -std=c11 -Wall -Wextra -Werror -matomics -mbulk-memory \
  --no-entry -sSTANDALONE_WASM -sIMPORTED_MEMORY -sALLOW_MEMORY_GROWTH \
  -sINITIAL_MEMORY=16MB -sMAXIMUM_MEMORY=4GB -sERROR_ON_UNDEFINED_SYMBOLS=1 \
  -sEXPORTED_FUNCTIONS=@wasm/build/exports.json -Iwasm/include

.PHONY: all deps wasm addon build test demo bench fuzz slides clean
all: build

# Every target installs what it needs first (Debian/Ubuntu packages, npm ci),
# once: the stamp is redone only when the lockfile or the script changes.
DEPS_STAMP := node_modules/.vppnet-deps
deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/deps.sh package-lock.json
	@bash scripts/deps.sh
	@touch $@

# The boundary, generated from the header (committed: a fresh clone needs no
# regeneration; the recipe rewrites identical files if the checkout's mtimes say so).
BOUNDARY := glue/engine/boundary.generated.ts host/src/core_functions.generated.h
$(BOUNDARY) &: wasm/include/vppnet_core.h scripts/gen-boundary.js
	node scripts/gen-boundary.js

wasm: $(WASM_OUT)
$(WASM_OUT): $(CORE_SRC) $(CORE_HDR) $(BOUNDARY) scripts/gen-boundary.js Makefile | $(DEPS_STAMP)
	@command -v $(EMCC) >/dev/null || { echo "make wasm: emcc not found — run 'make deps' (Debian package 'emscripten')" >&2; exit 1; }
	@mkdir -p wasm/build
	node scripts/gen-boundary.js --exports > wasm/build/exports.json
	$(EMCC) $(WASM_FLAGS) $(CORE_SRC) -o $@

addon: $(ADDON)
$(ADDON): $(CORE_SRC) $(CORE_HDR) $(BOUNDARY) $(wildcard host/src/*) host/binding.gyp | $(DEPS_STAMP)
	node scripts/build-addon.js

build: wasm addon | $(DEPS_STAMP)
	npm run build

test: wasm | $(DEPS_STAMP)
	npm test

demo: wasm addon | $(DEPS_STAMP)
	npm run --silent build
	node scripts/demo.js

bench: wasm addon | $(DEPS_STAMP)
	npm run bench
	node bench/udp.js
	node bench/tls.js

# the talk: docs/slides/index.html, self-contained, from the latest bench/results/
slides: | $(DEPS_STAMP)
	node scripts/slides.js

fuzz: | $(DEPS_STAMP)
	$(MAKE) -C wasm/fuzz run

clean:
	rm -rf wasm/build host/build dist
