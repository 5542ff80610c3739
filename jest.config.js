/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Type errors are tsc's job (`npx tsc --noEmit`); transpiling alone keeps test start-up fast on 2 cores.
  transform: {
    '^.+\\.ts$': ['ts-jest', {
      tsconfig: { ...require('./tsconfig.json').compilerOptions, isolatedModules: true },
      diagnostics: false,
    }],
  },
  testTimeout: 30000,
  workerIdleMemoryLimit: '384MB',
  // Child processes and sockets must be closed by the tests themselves; do not hide leaks with forceExit.
  openHandlesTimeout: 2000,
};
