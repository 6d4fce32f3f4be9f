/** A Redis Cluster node as ioredis takes it. */
export interface ClusterNode {
  host: string;
  port: number;
}

/** What REDIS_CLUSTER_NODES says: the seed nodes, and the credentials and TLS of the first URL entry that has them. */
export interface ClusterNodes {
  nodes: ClusterNode[];
  username: string | null;
  password: string | null;
  tls: boolean;
}

/**
 * `host:port,…`, an entry may be a `redis://` / `rediss://` URL (IPv6 hosts in brackets).
 * A cluster has one password, so the first entry that carries one sets it for all.
 * Null when any entry is not a node address.
 */
export function parseClusterNodes(text: string): ClusterNodes | null {
  const result: ClusterNodes = { nodes: [], username: null, password: null, tls: false };
  for (const raw of text.split(',').map((part) => part.trim())) {
    if (raw === '') continue;
    let url: URL;
    try {
      url = new URL(/^rediss?:\/\//.test(raw) ? raw : `redis://${raw}`);
    } catch {
      return null;
    }
    const port = Number(url.port);
    if (!['redis:', 'rediss:'].includes(url.protocol) || url.hostname === '' || !Number.isInteger(port) || port < 1) return null;
    if (url.pathname !== '' && url.pathname !== '/') return null;
    result.nodes.push({ host: url.hostname.replace(/^\[|\]$/g, ''), port });
    if (url.protocol === 'rediss:') result.tls = true;
    if (result.password === null && url.password !== '') {
      result.password = decodeURIComponent(url.password);
      result.username = url.username === '' ? null : decodeURIComponent(url.username);
    }
  }
  return result.nodes.length > 0 ? result : null;
}

/** Ports a service may listen on, in order of preference. */
export interface PortRange {
  first: number;
  last: number;
}

/** `3002` or `3002-3011` (0 alone: any free port). Null when it is neither. */
export function parsePortRange(text: string): PortRange | null {
  const match = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(text);
  if (!match) return null;
  const first = Number(match[1]);
  const last = match[2] === undefined ? first : Number(match[2]);
  if (first > 65535 || last > 65535 || last < first || (first === 0 && last !== 0)) return null;
  return { first, last };
}
