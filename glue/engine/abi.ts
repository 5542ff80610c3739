/**
 * The core's boundary as the engines bind it: all of it is generated from
 * wasm/include/vppnet_core.h by scripts/gen-boundary.js into the leaf module
 * ./boundary.generated (test/core/abi.test.ts checks it is up to date).
 */
export { CORE_FUNCTIONS, CORE_TABLE, ENGINE_FUNCTIONS, U32_RESULTS, VN, Ev } from './boundary.generated';
export type { CoreApi } from './boundary.generated';
