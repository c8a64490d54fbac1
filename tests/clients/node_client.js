// Real Node.js TLS client for tlsmirror's fidelity tests. Reads jobs (JSON
// array on stdin: {id, port, host, sni, ca, addr?}), connects to each the way
// axios/Postman do (default tls options, the CA given), sends one request,
// and prints one JSON line per job: {id, ok, code, message}.
'use strict';
const tls = require('tls');
const fs = require('fs');

function runJob(job) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (result) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(Object.assign({ id: job.id }, result));
      }
    };
    const options = {
      host: job.addr || '127.0.0.1',
      port: job.port,
      ca: fs.readFileSync(job.ca),
      ALPNProtocols: ['http/1.1'],
      // The name to verify is the scenario's host; the SNI is sent only when asked.
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(job.host, cert),
    };
    if (job.sni) options.servername = job.host;
    if (job.cert) {
      options.cert = fs.readFileSync(job.cert);
      options.key = fs.readFileSync(job.key);
    }
    const socket = tls.connect(options, () => {
      socket.write(`GET / HTTP/1.1\r\nHost: ${job.host}\r\nConnection: close\r\n\r\n`);
    });
    let body = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => { body += d; });
    socket.on('end', () => finish(body.startsWith('HTTP/1.1 200')
      ? { ok: true, code: null, message: 'OK' }
      : { ok: false, code: 'NO_RESPONSE', message: body.slice(0, 200) }));
    socket.on('error', (err) => finish({ ok: false, code: err.code || null, message: err.message }));
    const timer = setTimeout(() => finish({ ok: false, code: 'TIMEOUT', message: 'timeout' }), (job.timeout || 15) * 1000);
  });
}

(async () => {
  const jobs = JSON.parse(fs.readFileSync(0, 'utf8'));
  for (const job of jobs) {
    process.stdout.write(JSON.stringify(await runJob(job)) + '\n');
  }
})();
