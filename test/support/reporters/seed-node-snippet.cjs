// The TC Portal's "APIテスト（Node.js）" snippet, as the portal documents it (formatted by biome). Changed only where the
// local API needs it: `http` instead of `https`, hostname/port/secret from the environment.
const https = require('node:http');

const data = JSON.stringify({
  job_key: 'test-job',
  title: 'テストジョブ',
  status: 'success',
  finished_at: new Date().toISOString(),
  message: 'テスト報告',
});

const options = {
  hostname: process.env.SEED_HOSTNAME,
  port: process.env.SEED_PORT,
  path: '/api/monitor/job-report',
  method: 'POST',
  headers: {
    'Content-Type': 'application/json; charset=utf-8',
    'X-TC-Portal-Webhook-Secret': process.env.SEED_SECRET,
    'Content-Length': Buffer.byteLength(data, 'utf8'),
  },
};

const req = https.request(options, (res) => {
  let body = '';
  res.on('data', (d) => (body += d));
  res.on('end', () => console.log(res.statusCode, body));
});

req.write(data, 'utf8');
req.end();
