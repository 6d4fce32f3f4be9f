import http from 'node:http';
import https from 'node:https';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

/** One outbound request, built by a channel adapter. */
export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

export interface OutboundResponse {
  status: number;
  /** The start of the body, for the delivery log. */
  body: string;
}

/** Why a request was not sent or got no answer; `permanent` ones are not retried. */
export class SendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'SendError';
  }
}

// The guard resolves the host itself and checks the address it connects to, so a
// name that resolves to a private address (or is re-pointed there) is refused too.
const guarded = { http: new RequestFilteringHttpAgent({ keepAlive: true }), https: new RequestFilteringHttpsAgent({ keepAlive: true }) };
const open = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

const MAX_BODY = 2000;

/**
 * Sends one request with a deadline. Only http and https; unless `trusted`, only to
 * public addresses (no loopback, private, link-local or reserved ranges), which
 * keeps a channel's URL from reaching into our own network (SSRF). Redirects are not
 * followed: a 3xx is an answer like any other.
 */
export function send(request: OutboundRequest, options: { timeoutMs: number; trusted: boolean }): Promise<OutboundResponse> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return Promise.reject(new SendError('not a valid URL', true));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return Promise.reject(new SendError(`${url.protocol} URLs are not allowed; only http and https`, true));
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const agent = (options.trusted ? open : guarded)[scheme];
  const lib = scheme === 'https' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method: request.method, headers: request.headers, agent, timeout: options.timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < MAX_BODY) body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.slice(0, MAX_BODY) }));
      res.on('error', (err) => reject(new SendError(`response: ${err.message}`, false)));
    });
    const deadline = setTimeout(() => req.destroy(new SendError(`no answer within ${options.timeoutMs} ms`, false)), options.timeoutMs);
    req.on('close', () => clearTimeout(deadline));
    req.on('timeout', () => req.destroy(new SendError(`no answer within ${options.timeoutMs} ms`, false)));
    req.on('error', (err) => {
      if (err instanceof SendError) reject(err);
      // The guard's refusal says "... is not allowed. Because, It is private IP address."
      else if (/is not allowed/.test(err.message))
        reject(
          new SendError(`refused: ${err.message.replace(/\s+Because,\s*/, ' because ')} (mark the channel trusted to allow it)`, true),
        );
      else reject(new SendError(err.message, false));
    });
    if (request.body !== null) req.write(request.body);
    req.end();
  });
}
