// Integration tests on the real local control plane and PostgreSQL (root hooks start both).
// Files named on the command line replace the default spec (mocha would merge them).
const named = process.argv.slice(2).some((a) => /\.test\.ts$/.test(a) && !a.startsWith('-'));
module.exports = {
  'node-option': ['import=tsx'],
  extension: ['ts'],
  require: ['test/integration/hooks.ts'],
  spec: named ? [] : ['test/integration/**/*.test.ts'],
  timeout: 180000,
  slow: 10000,
};
