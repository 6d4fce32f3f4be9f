import { join } from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { createSqliteStore } from '../../shared/store/sqlite/sqlite-store.js';
import type { Store } from '../../shared/store/store.js';
import { startReport, TEST_API_KEY } from '../helpers/report-harness.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { testRedisUrl } from '../helpers/root-hooks.js';
import { tempDir, uniquePrefix } from '../helpers/temp.js';
import { waitFor } from '../helpers/wait.js';

type Report = Awaited<ReturnType<typeof startReport>>;

/** The session cookie of a sign-in answer, as `name=value` for the next request. */
function cookieOf(res: request.Response): string {
  const header = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0] ?? '';
  return header.split(';')[0] ?? '';
}

describe('console sign-in: session cookie, CSRF, expiry, and a console that holds no data', function () {
  this.timeout(30_000);
  let dir: ReturnType<typeof tempDir>;
  let store: Store;
  let report: Report;
  let shortLived: Report;

  before(async () => {
    dir = tempDir();
    store = createSqliteStore(join(dir.path, 'store.db'));
    report = await startReport(testRedisUrl(), uniquePrefix(), store);
    shortLived = await startReport(testRedisUrl(), uniquePrefix(), store, { sessionTimes: { idleMs: 400, maxMs: 1500 } });
  });
  after(async () => {
    await report.close();
    await shortLived.close();
    await store.close();
    dir.remove();
  });

  const signIn = async (app = report.app) => {
    const res = await request(app).post('/api/session').send({ api_key: TEST_API_KEY }).expect(201);
    return { cookie: cookieOf(res), csrf: res.body.csrf_token as string, res };
  };

  it('when a person signs in with the API key, then the cookie is HttpOnly and SameSite=Strict and carries no key, and the answer gives a CSRF token', async () => {
    const { res, cookie, csrf } = await signIn();
    const header = String(res.headers['set-cookie']);
    expect(header).to.match(/^convtrack_session=[\w-]{40,};/);
    expect(header).to.include('HttpOnly').and.include('SameSite=Strict').and.include('Path=/');
    expect(header).not.to.include(TEST_API_KEY);
    expect(JSON.stringify(res.body)).not.to.include(TEST_API_KEY);
    expect(csrf).to.be.a('string').with.length.above(20);
    expect(res.body.account).to.deep.include({ public_url: 'https://track.example', journey_type_limit: 2 });
    const me = await request(report.app).get('/api/session').set('Cookie', cookie).expect(200);
    expect(me.body).to.include({ signed_in_with: 'session', csrf_token: csrf });
    await request(report.app).get('/api/offer-sources').set('Cookie', cookie).expect(200);
    expect(header).not.to.include('Secure');
    const behindTls = await request(report.app).post('/api/session').set('X-Forwarded-Proto', 'https').send({ api_key: TEST_API_KEY });
    expect(String(behindTls.headers['set-cookie'])).to.include('; Secure');
  });

  it('when the key is wrong or missing, then sign-in answers 401 or 400 naming api_key, and sets no cookie', async () => {
    const wrong = await request(report.app).post('/api/session').send({ api_key: 'not-the-key' }).expect(401);
    expect(wrong.headers['set-cookie']).to.equal(undefined);
    expect(wrong.body.error.details[0].field).to.equal('api_key');
    const missing = await request(report.app).post('/api/session').send({}).expect(400);
    expect(missing.body.error.details[0].field).to.equal('api_key');
  });

  it('when a change is sent with the session cookie but without its CSRF token, or with another session’s, then it is refused with 403 and nothing changes', async () => {
    const mine = await signIn();
    const theirs = await signIn();
    const body = { name: 'Network X' };
    const none = await request(report.app).post('/api/offer-sources').set('Cookie', mine.cookie).send(body).expect(403);
    expect(none.body.error.message).to.include('x-csrf-token');
    await request(report.app).post('/api/offer-sources').set('Cookie', mine.cookie).set('X-CSRF-Token', theirs.csrf).send(body).expect(403);
    await request(report.app).delete('/api/test-data').set('Cookie', mine.cookie).expect(403);
    expect((await store.offerSources.list()).filter((s) => s.name === 'Network X')).to.have.length(0);
    await request(report.app).post('/api/offer-sources').set('Cookie', mine.cookie).set('X-CSRF-Token', mine.csrf).send(body).expect(201);
    expect((await store.offerSources.list()).filter((s) => s.name === 'Network X')).to.have.length(1);
  });

  it('when a person signs out, then that cookie opens nothing any more, while other sessions and the API key still work', async () => {
    const one = await signIn();
    const other = await signIn();
    await request(report.app).delete('/api/session').set('Cookie', one.cookie).set('X-CSRF-Token', one.csrf).expect(204);
    await request(report.app).get('/api/conversions').set('Cookie', one.cookie).expect(401);
    await request(report.app).get('/api/conversions').set('Cookie', other.cookie).expect(200);
    await request(report.app).get('/api/conversions').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(200);
  });

  it('when a session goes unused past its idle time, or reaches its maximum age in use, then it has ended', async () => {
    const idle = await signIn(shortLived.app);
    await request(shortLived.app).get('/api/session').set('Cookie', idle.cookie).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const ended = await request(shortLived.app).get('/api/session').set('Cookie', idle.cookie).expect(401);
    expect(ended.body.error.message).to.include('sign in again');

    const busy = await signIn(shortLived.app);
    // Used every 200 ms, it outlives its idle time, never its maximum age.
    await waitFor(
      'the session to reach its maximum age',
      async () => (await request(shortLived.app).get('/api/session').set('Cookie', busy.cookie)).status === 401,
      4000,
    );
  });

  it('when a signed-in person opens the API docs or the queue dashboard from the console, then they load with the session; a change from another site is refused', async () => {
    const { cookie } = await signIn();
    await request(report.app).get('/api/docs/').set('Cookie', cookie).expect(200);
    await request(report.app).get('/api/openapi.json').set('Cookie', cookie).expect(200);
    await request(report.app).get('/admin/queues/api/queues').set('Cookie', cookie).expect(200);
    for (const site of [undefined, 'cross-site', 'same-site']) {
      const put = request(report.app).put('/admin/queues/api/queues/postbacks/retry/failed').set('Cookie', cookie);
      await (site ? put.set('Sec-Fetch-Site', site) : put).expect(401);
    }
    // Each door names itself and the login that opens it (the harness sets DASHBOARD_USER=ops and a DASHBOARD_PASSWORD).
    const refused = await request(report.app).get('/api/docs/').expect(401);
    expect(refused.body.error.message).to.match(/^the API docs need credentials/);
    expect(refused.body.error.message).to.include('sign in to the console').and.include('user "ops" with DASHBOARD_PASSWORD');
    const dashboard = await request(report.app).get('/admin/queues/api/queues').expect(401);
    expect(dashboard.body.error.message).to.match(/^the queue dashboard needs credentials/);
  });

  it('when Redis is away, then a signed-in request answers 503 to retry (not 500), the API key still works, and the session is back with Redis', async () => {
    // AOF on, as convtrack asks of its Redis: a session kept there outlives a restart.
    const own = await startTestRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
    const alone = await startReport(own.url, uniquePrefix(), store);
    try {
      const { cookie } = await signIn(alone.app);
      await own.stop();
      const down = await request(alone.app).get('/api/offers').set('Cookie', cookie).expect(503);
      expect(down.body.error.message).to.include('Redis');
      await request(alone.app).post('/api/session').send({ api_key: TEST_API_KEY }).expect(503);
      await request(alone.app).get('/api/offers').set('Authorization', `Bearer ${TEST_API_KEY}`).expect(200);
      await own.start();
      await waitFor(
        'the session to answer again',
        async () => (await request(alone.app).get('/api/offers').set('Cookie', cookie)).status === 200,
      );
    } finally {
      await alone.close();
      await own.destroy();
    }
  });

  it('when a made-up or malformed session cookie is sent, then the API answers 401', async () => {
    for (const cookie of ['convtrack_session=made-up', 'convtrack_session=', 'convtrack_session=%00%ff', 'other=1'])
      await request(report.app).get('/api/offers').set('Cookie', cookie).expect(401);
  });

  it('when the console is fetched without a session, then its page and scripts load with a strict policy and hold no data', async () => {
    const page = await request(report.app).get('/').expect(200);
    expect(page.headers['content-type']).to.include('text/html');
    expect(page.headers['content-security-policy']).to.include("script-src 'self'").and.include("frame-ancestors 'none'");
    expect(page.text).to.include('/console/app.js');
    await request(report.app)
      .get('/console/app.js')
      .expect(200)
      .expect('content-type', /javascript/);
    await request(report.app).get('/console/vendor/uPlot.iife.min.js').expect(200);
    await request(report.app).get('/console/vendor/package.json').expect(404);
    await request(report.app).get('/console/../package.json').expect(404);
    const offers = await request(report.app).get('/api/offers').expect(401);
    expect(offers.body.error.message).to.include('sign in');
  });
});
