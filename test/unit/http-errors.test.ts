import { expect } from 'chai';
import express from 'express';
import request from 'supertest';
import { createHttpErrorHandler } from '../../shared/errors/http-error-handler.js';
import { requestId } from '../../shared/http/request-id.js';
import { createLogger } from '../../shared/logging/logger.js';
import { memoryLog } from '../helpers/receiver-harness.js';

describe('HTTP errors', () => {
  it('when a route throws, then the caller gets a bare 500 and the log has the message, code and stack', async () => {
    const log = memoryLog();
    const app = express();
    app.use(requestId());
    app.get('/boom', () => {
      throw Object.assign(new Error('the disk is full at /var/data'), { code: 'ENOSPC' });
    });
    app.use(createHttpErrorHandler(createLogger({ level: 'info', service: 't', stream: log.stream })));
    const res = await request(app).get('/boom').expect(500);
    expect(res.body).to.deep.equal({ error: { code: 'INTERNAL', message: 'internal error', details: [] } });
    const line = log.lines().find((l) => l.message === 'request failed') as {
      status: number;
      err: { message: string; code: string; stack: string };
    };
    expect(line.status).to.equal(500);
    expect(line.err).to.include({ message: 'the disk is full at /var/data', code: 'ENOSPC' });
    expect(line.err.stack).to.contain('http-errors.test.ts');
  });
});

describe('HTTP errors when a dependency is away', () => {
  for (const [what, err, code] of [
    ['the store is locked', Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }), 'STORE.UNAVAILABLE'],
    ['Redis is gone', new Error('Connection is closed.'), 'QUEUE.UNAVAILABLE'],
    ['Redis refuses', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }), 'QUEUE.UNAVAILABLE'],
  ] as const) {
    it(`when ${what}, then the caller gets 503 with Retry-After, not a 500, and the log keeps the cause`, async () => {
      const log = memoryLog();
      const app = express();
      app.use(requestId());
      app.get('/x', () => {
        throw err;
      });
      app.use(createHttpErrorHandler(createLogger({ level: 'info', service: 't', stream: log.stream })));
      const res = await request(app).get('/x').expect(503);
      expect(res.headers['retry-after']).to.equal('5');
      expect(res.body.error.code).to.equal(code);
      expect(JSON.stringify(log.lines())).to.contain(err.message);
    });
  }
});
