import { writeFileSync } from 'node:fs';

/**
 * Writes a small MaxMind DB (MMDB) file, the format GeoLite2 and DB-IP ship in, so tests
 * look clicks up in a real IP database whose answers they know. IPv4 networks only, in
 * an IPv6 tree (IPv4 at ::/96, as the real databases keep them); records in GeoIP2 City
 * layout (`country.iso_code`, `subdivisions[].names.en`, `city.names.en`) or as given.
 * Format: https://maxmind.github.io/MaxMind-DB/ (search tree of 32-bit records, 16 zero
 * bytes, data section, metadata after its marker).
 */
export interface MmdbNetwork {
  /** `a.b.c.d/len`, IPv4. */
  cidr: string;
  record: MmdbValue;
}
export type MmdbValue = string | number | MmdbValue[] | { [key: string]: MmdbValue };

/** A GeoIP2 City record. */
export function cityRecord(country: string, region: string, city: string): MmdbValue {
  return { country: { iso_code: country }, subdivisions: [{ names: { en: region } }], city: { names: { en: city } } };
}

export function writeMmdb(path: string, networks: readonly MmdbNetwork[], databaseType = 'convtrack-Test-City'): void {
  const data: Buffer[] = [];
  let dataLength = 0;
  const offsets = networks.map(({ record }) => {
    const bytes = encode(record);
    const offset = dataLength;
    data.push(bytes);
    dataLength += bytes.length;
    return offset;
  });
  // Nodes as [left, right]: a number ≥ 0 is a node, -1 is nothing, { data } a record.
  type Slot = number | { data: number };
  const nodes: Array<[Slot, Slot]> = [[-1, -1]];
  networks.forEach(({ cidr }, i) => {
    const [address = '', lengthText = '32'] = cidr.split('/');
    const bits = [...Array<number>(96).fill(0), ...address.split('.').flatMap((octet) => byteBits(Number(octet)))];
    const length = 96 + Number(lengthText);
    let node = 0;
    for (let depth = 0; depth < length; depth++) {
      const side = bits[depth] as 0 | 1;
      const pair = nodes[node] as [Slot, Slot];
      if (depth === length - 1) pair[side] = { data: offsets[i] as number };
      else {
        const next = pair[side];
        if (typeof next === 'number' && next >= 0) node = next;
        else {
          nodes.push([-1, -1]);
          pair[side] = nodes.length - 1;
          node = nodes.length - 1;
        }
      }
    }
  });
  const count = nodes.length;
  const tree = Buffer.alloc(count * 8);
  const value = (slot: Slot): number => (typeof slot === 'number' ? (slot < 0 ? count : slot) : count + 16 + slot.data);
  nodes.forEach(([left, right], i) => {
    tree.writeUInt32BE(value(left), i * 8);
    tree.writeUInt32BE(value(right), i * 8 + 4);
  });
  const metadata = encode({
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: Math.floor(Date.now() / 1000),
    database_type: databaseType,
    description: { en: 'convtrack test IP database' },
    ip_version: 6,
    languages: ['en'],
    node_count: count,
    record_size: 32,
  });
  writeFileSync(
    path,
    Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from([0xab, 0xcd, 0xef]), Buffer.from('MaxMind.com'), metadata]),
  );
}

const byteBits = (byte: number): number[] => Array.from({ length: 8 }, (_, i) => (byte >> (7 - i)) & 1);

/** A control byte (and the extended type's byte) for `type` and `size`, then the payload. */
function field(type: number, size: number, payload: Buffer): Buffer {
  const head: number[] = [];
  const extended = type > 7;
  let sizeBytes: number[] = [];
  let small = size;
  if (size >= 29 && size < 285) {
    small = 29;
    sizeBytes = [size - 29];
  } else if (size >= 285) {
    small = 30;
    const rest = size - 285;
    sizeBytes = [rest >> 8, rest & 0xff];
  }
  head.push(((extended ? 0 : type) << 5) | small);
  if (extended) head.push(type - 7);
  return Buffer.concat([Buffer.from([...head, ...sizeBytes]), payload]);
}

function unsigned(n: number): Buffer {
  const bytes: number[] = [];
  for (let v = BigInt(n); v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
  return Buffer.from(bytes);
}

function encode(value: MmdbValue): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return field(2, bytes.length, bytes);
  }
  if (typeof value === 'number') {
    const bytes = unsigned(value);
    // uint16, uint32, uint64 by size.
    return field(value < 0x10000 ? 5 : value < 0x100000000 ? 6 : 9, bytes.length, bytes);
  }
  if (Array.isArray(value)) return field(11, value.length, Buffer.concat(value.map(encode)));
  const entries = Object.entries(value);
  return field(7, entries.length, Buffer.concat(entries.flatMap(([k, v]) => [encode(k), encode(v)])));
}
