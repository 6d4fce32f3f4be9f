import { expect } from 'chai';
import { createTokenSource } from '../../services/worker/outbound/oauth.js';
import { SendError } from '../../services/worker/outbound/http-send.js';
import { startHttpSink, type HttpSink } from '../helpers/http-sink.js';

describe('OAuth access tokens for the ad platforms: exchanged from the refresh token, cached until shortly before expiry', () => {
  let sink: HttpSink;
  let issued = 0;
  before(async () => {
    sink = await startHttpSink();
    sink.respond = (_n, req) => {
      if (req.body.includes('revoked'))
        return { status: 400, body: '{"error":"invalid_grant","error_description":"Token has been revoked."}' };
      issued++;
      return { status: 200, body: JSON.stringify({ access_token: `token-${issued}`, expires_in: 3600 }) };
    };
  });
  after(() => sink.close());

  it('when a token is asked for again, then the cached one serves until a minute before it expires, and then a new one is exchanged', async () => {
    let clock = 1_000_000;
    const tokens = createTokenSource(2000, () => clock);
    const grant = { client_id: 'c', client_secret: 's', refresh_token: 'r-1' };
    const url = `${sink.base}/token`;
    const [first, concurrent] = await Promise.all([tokens.get(url, grant), tokens.get(url, grant)]);
    expect([first, concurrent]).to.deep.equal(['token-1', 'token-1']);
    clock += 3600_000 - 61_000;
    expect(await tokens.get(url, grant)).to.equal('token-1');
    clock += 2_000;
    expect(await tokens.get(url, grant)).to.equal('token-2');
    // Other credentials, another token.
    expect(await tokens.get(url, { ...grant, refresh_token: 'r-2' })).to.equal('token-3');
    expect(sink.requests).to.have.length(3);
  });

  it('when the OAuth server refuses the refresh token, then the error is permanent and says why, without the secret', async () => {
    const tokens = createTokenSource(2000);
    const failure = await tokens
      .get(`${sink.base}/token`, { client_id: 'c', client_secret: 'secret-xyz', refresh_token: 'revoked' })
      .catch((e: unknown) => e);
    expect(failure).to.be.instanceOf(SendError);
    expect((failure as SendError).permanent).to.equal(true);
    expect((failure as SendError).message).to.equal('the OAuth server refused the refresh token (invalid_grant: Token has been revoked.)');
    expect((failure as SendError).message).not.to.contain('secret-xyz');
  });
});
