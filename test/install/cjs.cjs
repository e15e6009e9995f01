// A CommonJS user: require() through the package's "require" entry.
'use strict';
const simdot = require('simdot');
const { report } = require('./checks.cjs');

report('cjs', simdot);
