module.exports = {
  'node-option': ['import=tsx'],
  extension: ['ts'],
  require: ['test/integration/hooks.ts'],
  spec: ['test/integration/**/*.test.ts'],
  timeout: 180000,
  slow: 10000,
};
