// Unit tests. Files named on the command line replace the default spec (mocha would merge them).
const named = process.argv.slice(2).some((a) => /\.test\.ts$|\/$/.test(a) && !a.startsWith('-'));
module.exports = {
  'node-option': ['import=tsx'],
  extension: ['ts'],
  spec: named ? [] : ['test/unit/**/*.test.ts'],
  timeout: 10000,
};
