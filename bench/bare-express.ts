import { randomUUID } from 'node:crypto';
import express from 'express';

/**
 * The yardsticks: Express answering the same requests doing nothing else: 200 to a
 * postback, and a click's 302 to an offer URL carrying a fresh click id and the sub1
 * it was given (what any redirect must do at the least).
 */
const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.get('/postback', (_req, res) => {
  res.json({ ok: true });
});
app.get('/click/:campaignId', (req, res) => {
  const sub1 = typeof req.query.sub1 === 'string' ? req.query.sub1 : '';
  res.redirect(302, `https://offer.example/lp?cid=${randomUUID()}&s1=${encodeURIComponent(sub1)}`);
});
const port = Number(process.env.PORT ?? 3999);
app.listen(port, () => process.stdout.write(`ready ${port}\n`));
