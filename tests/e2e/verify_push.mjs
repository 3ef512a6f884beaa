// A push service of the test's own on 127.0.0.1, reading what babillard's
// sender (push_probe: SendPush) sends with implementations babillard does
// not contain: npm http_ece decrypts the aes128gcm body with the
// subscription's private key, Node's crypto checks the VAPID JWT (ES256,
// IEEE P1363 signature) against the key in the header. Also answers 410 and
// 429, which the sender must report as gone and retry.
//
// usage: node verify_push.mjs PUSH_PROBE VAPID_KEY_FILE   (exit 0: all held)
import http from 'node:http';
import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const ece = require('http_ece');
const [probe, vapidFile] = process.argv.slice(2);

// The browser's side of a subscription.
const ua = crypto.createECDH('prime256v1');
ua.generateKeys();
const auth = crypto.randomBytes(16);
const p256dh = ua.getPublicKey().toString('base64url');

const received = [];
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/gone') return res.writeHead(410).end();
    if (req.url === '/busy') return res.writeHead(429, { 'Retry-After': '7' }).end();
    received.push({ headers: req.headers, body: Buffer.concat(chunks), url: req.url });
    res.writeHead(201).end();
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

// Asynchronous: the server above answers in this same process meanwhile.
async function send(path, payload, extra = []) {
  const { stdout } = await promisify(execFile)(probe, [
    `--endpoint=${origin}${path}`, `--p256dh=${p256dh}`, `--auth=${auth.toString('base64url')}`,
    `--payload=${payload}`, `--vapid_key=${vapidFile}`, ...extra,
  ], { timeout: 20000 });
  return JSON.parse(stdout);
}

function verifyVapid(header, audience) {
  const m = /^vapid t=([\w-]+)\.([\w-]+)\.([\w-]+), k=([\w-]+)$/.exec(header);
  assert.ok(m, `Authorization: ${header}`);
  const [, h, c, s, k] = m;
  assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url')), { typ: 'JWT', alg: 'ES256' });
  const claims = JSON.parse(Buffer.from(c, 'base64url'));
  assert.equal(claims.aud, audience);
  const now = Date.now() / 1000;
  assert.ok(claims.exp > now && claims.exp <= now + 24 * 3600, 'exp within 24 h (RFC 8292 §2)');
  assert.match(claims.sub, /^mailto:|^https:/);
  const point = Buffer.from(k, 'base64url');
  const key = crypto.createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'),
           y: point.subarray(33, 65).toString('base64url') },
    format: 'jwk',
  });
  const valid = crypto.verify('sha256', Buffer.from(`${h}.${c}`), { key, dsaEncoding: 'ieee-p1363' },
                              Buffer.from(s, 'base64url'));
  assert.ok(valid, 'the VAPID signature verifies');
  return k;
}

const results = {};
try {
  const message = JSON.stringify({ title: 'Avis d’ébullition — Danville', body: 'Faites bouillir l’eau 1 minute.' });
  const first = await send('/push/abc', message, ['--urgent', '--topic_of=danville/avis-1', '--ttl=600']);
  assert.equal(first.outcome, 'delivered');
  assert.equal(first.status, 201);
  const got = received.shift();
  assert.equal(got.headers['content-encoding'], 'aes128gcm');
  assert.equal(got.headers['content-type'], 'application/octet-stream');
  assert.equal(got.headers.ttl, '600');
  assert.equal(got.headers.urgency, 'high');
  assert.match(got.headers.topic, /^[A-Za-z0-9_-]{1,32}$/);
  assert.equal(got.headers.topic, first.topic);
  const k = verifyVapid(got.headers.authorization, origin);
  assert.equal(k, first.vapid_key);
  const plaintext = ece.decrypt(got.body, { version: 'aes128gcm', privateKey: ua, authSecret: auth.toString('base64url') });
  assert.equal(plaintext.toString('utf8'), message);
  results.delivered = { bytes: got.body.length, plaintext: plaintext.toString('utf8') };

  const normal = await send('/push/abc', 'deux');
  assert.equal(normal.outcome, 'delivered');
  const second = received.shift();
  assert.equal(second.headers.urgency, 'normal');
  assert.equal(second.headers.topic, undefined, 'no topic unless asked');
  assert.equal(normal.vapid_key, first.vapid_key, 'the same VAPID key from its file');
  assert.equal(ece.decrypt(second.body, { version: 'aes128gcm', privateKey: ua, authSecret: auth.toString('base64url') }).toString(), 'deux');

  const gone = await send('/gone', 'x');
  assert.equal(gone.outcome, 'gone');
  assert.equal(gone.status, 410);
  const busy = await send('/busy', 'x');
  assert.equal(busy.outcome, 'retry');
  assert.equal(busy.retry_after, 7);
  results.gone = gone;
  results.busy = busy;
  console.log(JSON.stringify(results));
} finally {
  server.close();
}
