/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // ts-jest type-checks every test file, so the tests are held to the same strictness as the code.
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: false }] },
  testTimeout: 120000,
};
