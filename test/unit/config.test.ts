import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../shared/config/config.js';

describe('configuration', () => {
  it('when nothing is set, then the documented defaults apply', () => {
    const config = loadConfig({});
    expect(config.redis.url).to.equal('redis://127.0.0.1:6379');
    expect(config.store).to.deep.equal({ mongoUrl: null, sqlitePath: './data/convtrack.db', columnCopy: true });
    expect(loadConfig({ REPORT_COLUMN_COPY: 'off' }).store.columnCopy).to.equal(false);
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

  it('when REDIS_CLUSTER_NODES lists nodes, then they are the cluster, with the password of the URL entry that has one', () => {
    const { redis } = loadConfig({
      REDIS_CLUSTER_NODES: '10.0.0.1:7000, rediss://:s3cret@10.0.0.2:7001,[::1]:7002',
      REDIS_MIN_REPLICAS_ACK: '1',
    });
    expect(redis.cluster).to.deep.equal({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      username: null,
      password: 's3cret',
      tls: true,
    });
    expect(redis.minReplicasAck).to.equal(1);
    expect(loadConfig({}).redis).to.include({ cluster: null, minReplicasAck: 0, replicaAckTimeoutMs: 1000 });
  });

  it('when a cluster node has no port, or the prefix has no hash tag on a cluster, then the error says what is allowed', () => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1' })).to.throw(ConfigError, /REDIS_CLUSTER_NODES: must be host:port/);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000', QUEUE_PREFIX: 'convtrack' })).to.throw(
      ConfigError,
      /QUEUE_PREFIX: must hold a hash tag such as \{convtrack\}/,
    );
    expect(loadConfig({ QUEUE_PREFIX: 'convtrack' }).redis.queuePrefix).to.equal('convtrack');
  });

  it('when WORKER_PORT is a port or a range, then the worker may take that one or the first free in the range', () => {
    expect(loadConfig({}).worker.ports).to.deep.equal({ first: 3002, last: 3011 });
    expect(loadConfig({ WORKER_PORT: '4000' }).worker.ports).to.deep.equal({ first: 4000, last: 4000 });
    expect(loadConfig({ WORKER_PORT: '0' }).worker.ports).to.deep.equal({ first: 0, last: 0 });
    for (const bad of ['4000-3000', '0-10', '70000', 'x'])
      expect(() => loadConfig({ WORKER_PORT: bad }), bad).to.throw(ConfigError, /WORKER_PORT: must be a port/);
  });

  it('when retention and the parked-postback bound are set by the names of the specification, then they apply, the finer settings winning', () => {
    expect(loadConfig({}).retention).to.deep.equal({ clicksDays: 0, postbacksDays: 0, deliveriesDays: 0 });
    expect(loadConfig({ RETENTION_DAYS: '10' }).retention).to.deep.equal({ clicksDays: 10, postbacksDays: 15, deliveriesDays: 15 });
    expect(loadConfig({ RETENTION_DAYS: '90', POSTBACK_LOG_RETENTION_DAYS: '30' }).retention).to.deep.equal({
      clicksDays: 90,
      postbacksDays: 30,
      deliveriesDays: 90,
    });
    expect(() => loadConfig({ RETENTION_DAYS: '3' })).to.throw(ConfigError, /RETENTION_DAYS.*0 \(keep forever\) or at least 7 days/);
    expect(loadConfig({}).rules.unknownClickidMaxWaiting).to.equal(75_000);
    expect(loadConfig({ MAX_PARKED_POSTBACKS: '500' }).rules.unknownClickidMaxWaiting).to.equal(500);
    expect(loadConfig({ MAX_PARKED_POSTBACKS: '500', UNKNOWN_CLICKID_MAX_WAITING: '20' }).rules.unknownClickidMaxWaiting).to.equal(20);
    expect(loadConfig({}).worker.geoipDb).to.equal(null);
    expect(loadConfig({ GEOIP_DB: '/srv/GeoLite2-City.mmdb' }).worker.geoipDb).to.equal('/srv/GeoLite2-City.mmdb');
  });
});
