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

.PHONY: all deps wasm addon build test demo bench fuzz clean
all: build

deps:
	@bash scripts/deps.sh

wasm: $(WASM_OUT)
$(WASM_OUT): $(CORE_SRC) $(CORE_HDR) scripts/exports.js Makefile
	@command -v $(EMCC) >/dev/null || { echo "make wasm: emcc not found — run 'make deps' (Debian package 'emscripten')" >&2; exit 1; }
	@mkdir -p wasm/build
	node scripts/exports.js > wasm/build/exports.json
	$(EMCC) $(WASM_FLAGS) $(CORE_SRC) -o $@

addon: $(ADDON)
$(ADDON): $(CORE_SRC) $(CORE_HDR) $(wildcard host/src/*) host/binding.gyp
	node scripts/build-addon.js

build: wasm addon
	npm run build

test: wasm
	npm test

demo: wasm addon
	node scripts/demo.js

bench: wasm addon
	npm run bench

fuzz:
	$(MAKE) -C wasm/fuzz run

clean:
	rm -rf wasm/build host/build dist
