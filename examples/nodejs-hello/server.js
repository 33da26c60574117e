'use strict';
// The Node sample app: no dependencies, just node's own http module.
const http = require('http');
const os = require('os');

function handler(req, res) {
  if (req.url === '/healthz') {
    res.writeHead(200, {'Content-Type': 'text/plain'});
    res.end('ok\n');
    return;
  }
  const greeting = process.env.GREETING || 'Hello from Solum (node)';
  res.writeHead(200, {'Content-Type': 'text/plain'});
  res.end(`${greeting}! (served by ${os.hostname()})\n`);
}

if (require.main === module) {
  const port = parseInt(process.env.PORT || '8080', 10);
  http.createServer(handler).listen(port, '0.0.0.0', () => {
    console.log(`listening on ${port}`);
  });
}

module.exports = {handler};
