import express from 'express';

/** The yardstick: Express answering 200 to the same request, doing nothing else. */
const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.get('/postback', (_req, res) => {
  res.json({ ok: true });
});
const port = Number(process.env.PORT ?? 3999);
app.listen(port, () => process.stdout.write(`ready ${port}\n`));
