// difftest's key and signature service (Node's crypto, which is OpenSSL 3).
// One long-lived process: difftest builds every TBSCertificate itself
// (der.py) and asks here for keys and signatures, one JSON line per request:
//   {"op":"warm","keys":[{"type":"rsa-2048","path":"/k/rsa-2048-0.pem"}, ...]} -> {"ok":true}
//     (creates every missing key at once, on libuv's thread pool)
//   {"op":"key","type":"ec-p256","path":"/k/ec-p256-0.pem"}  -> {"spki":"<b64 DER>"}
//     (creates the PKCS#8 PEM at path unless it exists, then loads it)
//   {"op":"sign","jobs":[{"key":path,"hash":"sha256"|null,"pss":false,"data":"<b64>"}]}
//     -> {"sigs":["<b64>", ...]}
// Errors come back as {"error":"..."}; the process keeps serving. Requests
// are answered one at a time, in order.
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const readline = require('readline');
const { promisify } = require('util');

const keys = new Map();

// keyParams turns a key type ("ec-p256", "rsa-2048", "rsa-2048-e3",
// "rsapss-2048", "ed25519") into generateKeyPair's arguments.
function keyParams(type) {
  const [kind, arg, extra] = type.split('-');
  const enc = {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  };
  if (kind === 'ec') {
    return ['ec', { namedCurve: { p256: 'prime256v1', p384: 'secp384r1', p521: 'secp521r1' }[arg], ...enc }];
  }
  if (kind === 'rsa') {
    return ['rsa', { modulusLength: Number(arg), publicExponent: extra === 'e3' ? 3 : 65537, ...enc }];
  }
  if (kind === 'rsapss') {
    return ['rsa-pss', { modulusLength: Number(arg), hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha256',
      saltLength: 32, ...enc }];
  }
  if (kind === 'ed25519') {
    return ['ed25519', enc];
  }
  throw new Error(`unknown key type ${type}`);
}

function save(path, pem) {
  const tmp = `${path}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, pem, { mode: 0o600 });
  fs.renameSync(tmp, path);
}

async function warm(wanted) {
  const generate = promisify(crypto.generateKeyPair);
  await Promise.all(wanted.filter((k) => !fs.existsSync(k.path)).map(async (k) => {
    save(k.path, (await generate(...keyParams(k.type))).privateKey);
  }));
}

function load(path, type) {
  let key = keys.get(path);
  if (key === undefined) {
    if (!fs.existsSync(path)) {
      if (type === undefined) throw new Error(`no key at ${path}`);
      save(path, crypto.generateKeyPairSync(...keyParams(type)).privateKey);
    }
    key = crypto.createPrivateKey(fs.readFileSync(path));
    keys.set(path, key);
  }
  return key;
}

function sign(job) {
  const key = load(job.key);
  const data = Buffer.from(job.data, 'base64');
  if (key.asymmetricKeyType === 'ed25519') return crypto.sign(null, data, key);
  if (job.pss || key.asymmetricKeyType === 'rsa-pss') {
    const saltLength = { sha256: 32, sha384: 48, sha512: 64 }[job.hash] || 32;
    return crypto.sign(job.hash, data, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength });
  }
  return crypto.sign(job.hash, data, key);
}

async function answer(req) {
  if (req.op === 'warm') {
    await warm(req.keys);
    return { ok: true };
  }
  if (req.op === 'key') {
    const pub = crypto.createPublicKey(load(req.path, req.type));
    return { spki: pub.export({ type: 'spki', format: 'der' }).toString('base64') };
  }
  if (req.op === 'sign') {
    return { sigs: req.jobs.map((j) => sign(j).toString('base64')) };
  }
  return { error: `unknown op ${req.op}` };
}

(async () => {
  for await (const line of readline.createInterface({ input: process.stdin })) {
    let reply;
    try {
      reply = await answer(JSON.parse(line));
    } catch (e) {
      reply = { error: String(e && e.message) };
    }
    process.stdout.write(JSON.stringify(reply) + '\n');
  }
})();
