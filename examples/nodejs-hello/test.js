'use strict';
// Run by "npm test": node's own test runner would need node >= 18.
const assert = require('assert');
const {handler} = require('./server');

let status = null;
let body = '';
handler({url: '/'}, {
  writeHead(code) { status = code; },
  end(text) { body = text; },
});
assert.strictEqual(status, 200);
assert.ok(body.includes('Hello'), body);
console.log('ok - GET / answers hello');
