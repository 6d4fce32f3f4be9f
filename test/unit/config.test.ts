import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../shared/config/config.js';

describe('configuration', () => {
  it('when nothing is set, then the SPEC defaults apply', () => {
    const config = loadConfig({});
    expect(config.redis.url).to.equal('redis://127.0.0.1:6379');
    expect(config.store).to.deep.equal({ mongoUrl: null, sqlitePath: './data/convtrack.db' });
    expect(config.receiver.port).to.equal(3000);
    expect(config.report.port).to.equal(3001);
    expect(config.rules.journeyTypeLimit).to.equal(2);
    expect(config.receiver.publicUrl).to.equal('http://localhost:3000');
    expect(Object.isFrozen(config.redis)).to.equal(true);
  });

  it('when several variables are bad, then one error lists every one of them', () => {
    const load = () => loadConfig({ REDIS_URL: 'http://nope', RECEIVER_PORT: 'abc', JOURNEY_TYPE_LIMIT: '-1', LOG_LEVEL: 'loud' });
    expect(load).to.throw(ConfigError);
    try {
      load();
    } catch (err) {
      const problems = (err as ConfigError).problems.join('\n');
      for (const key of ['REDIS_URL', 'RECEIVER_PORT', 'JOURNEY_TYPE_LIMIT', 'LOG_LEVEL']) expect(problems).to.contain(key);
      expect((err as ConfigError).problems).to.have.length(4);
    }
  });

  it('when NODE_ENV is production without API_KEY, then it refuses to start', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).to.throw(ConfigError, /API_KEY/);
    expect(loadConfig({ NODE_ENV: 'production', API_KEY: 'a-long-enough-secret' }).report.apiKey).to.equal('a-long-enough-secret');
  });

  it('when a variable is set to an empty string, then it counts as unset', () => {
    expect(loadConfig({ MONGO_URL: '', RECEIVER_PORT: '' }).store.mongoUrl).to.equal(null);
  });
});
