import { FRAME_HEADER_BYTES, encodeFrame, mqttTopic, type DeviceRef, type FrameKind } from '@premonitor/contracts';
import type { SeededRandom } from '@premonitor/ml/data';

/** What a fuzz message is sent on. */
export type FuzzChannel = 'telemetry' | 'status' | 'edge-alert' | FrameKind | 'wrong-topic';

/** One mutated (or, for `identity`, untouched) message of a fuzz device. */
export interface FuzzMessage {
  readonly ref: DeviceRef;
  readonly channel: FuzzChannel;
  readonly topic: string;
  readonly payload: Buffer;
  /** Name of the mutation, for the failure report. */
  readonly mutation: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Valid templates: every mutation starts from a message that ingest must accept. */
function template(channel: 'telemetry' | 'status' | 'edge-alert', ts: number, seq: number): JsonObject {
  switch (channel) {
    case 'telemetry':
      return { ts, seq, readings: { temperature: 21.5 + (seq % 13), vibration_rms: 0.125, gas_ppm: 3 } };
    case 'status':
      return { state: 'online', ts, agentVersion: '1.4.2', models: { acoustic: 'v7', thermal: 'v3' }, queueDepth: 0, dropped: 0, sources: { mic: { state: 'ok' } } };
    case 'edge-alert':
      return { ts, seq, rule: 'acoustic-anomaly', severity: 'WARNING', score: 0.91, kind: 'acoustic', message: 'bearing noise' };
  }
}

const STRING_FIELDS: Record<'telemetry' | 'status' | 'edge-alert', readonly string[]> = {
  telemetry: [],
  status: ['agentVersion', 'state'],
  'edge-alert': ['rule', 'message', 'severity'],
};

/** Strings that test escaping and storage: NUL, lone surrogates, control characters, emoji, right-to-left. */
const AWKWARD_STRINGS = ['a\u0000b', '\u0000', '\ud800', 'x\udfffy', '\u0001\u001f', '😀🔥', '\u202eevil', 'é'.normalize('NFD'), '\\', '"quoted"', '<script>', '@everyone'];

/** Numbers at and past every edge a JSON number can have. */
const AWKWARD_NUMBERS = ['NaN', 'Infinity', '-Infinity', '1e400', '-1e400', '1e21', '9007199254740993', '4294967296', '4294967295', '-1', '-0', '0.5', '1e-400', '123456789012345678901234567890', '0x10', '01', '.5', '+1'];

/** Invalid UTF-8 sequences (lone continuation, overlong, surrogate, truncated multibyte, 0xFF). */
const BAD_UTF8 = [[0xff], [0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xc3, 0x28]];

/** Makes the messages of one fuzz device; everything drawn from `random`, so a seed replays a run. */
export class FuzzMutator {
  #seq = 0;
  #frameSeq = 0;
  readonly #acoustic: Int16Array;
  readonly #thermal: Float32Array;

  constructor(
    private readonly ref: DeviceRef,
    /** Another device of the same site (for cross-device topics). */
    private readonly neighbour: DeviceRef,
    private readonly random: SeededRandom,
  ) {
    this.#acoustic = Int16Array.from({ length: 4_000 }, (_, i) => Math.round(6_000 * Math.sin(i / 7) + random.gaussian(0, 300)));
    this.#thermal = Float32Array.from({ length: 32 * 24 }, () => 24 + random.uniform(0, 8));
  }

  /** One message on `channel`, mutated by a randomly chosen mutation (sometimes none). */
  next(channel: FuzzChannel, now: number): FuzzMessage {
    switch (channel) {
      case 'telemetry':
      case 'status':
      case 'edge-alert':
        return this.#json(channel, now);
      case 'acoustic':
      case 'thermal':
        return this.#frame(channel, now);
      case 'wrong-topic':
        return this.#wrongTopic(now);
    }
  }

  /** A frame of 400–900 KB: above the platform's frame limit, below Mosquitto's packet limit. */
  oversizedFrame(now: number): FuzzMessage {
    const r = this.random;
    const samples = new Int16Array(r.int(200_000, 450_000));
    const bytes = frameBytes('acoustic', now, ++this.#frameSeq, samples, 48_000);
    return { ref: this.ref, channel: 'acoustic', topic: mqttTopic.frame(this.ref, 'acoustic'), payload: bytes, mutation: 'oversized-frame' };
  }

  #json(channel: 'telemetry' | 'status' | 'edge-alert', now: number): FuzzMessage {
    const r = this.random;
    const seq = ++this.#seq;
    const obj = template(channel, now, seq);
    const topic = channel === 'telemetry' ? mqttTopic.telemetry(this.ref) : channel === 'status' ? mqttTopic.status(this.ref) : mqttTopic.edgeAlert(this.ref);
    const text = (o: Json) => Buffer.from(JSON.stringify(o));
    const fields = Object.keys(obj);
    const mutations: Array<[string, () => Buffer]> = [
      ['identity', () => text(obj)],
      ['whitespace', () => Buffer.from(`  \n${JSON.stringify(obj, null, r.int(0, 8))}\t `)],
      ['awkward-number', () => Buffer.from(replaceValue(JSON.stringify(obj), r.pick(numericPaths(obj)), r.pick(AWKWARD_NUMBERS)))],
      ['wrong-type', () => text(setPath(obj, r.pick(fields), r.pick<Json>(['x', null, true, [], {}, [1], { a: 1 }])))],
      ['missing-field', () => text(omit(obj, r.pick(fields)))],
      ['unknown-field', () => text({ ...obj, [r.pick(['extra', '__proto__', 'constructor', 'site', 'device', ''])]: r.int(0, 9) })],
      ['awkward-string', () => text(setPath(obj, r.pick(STRING_FIELDS[channel].length ? STRING_FIELDS[channel] : ['note']), r.pick(AWKWARD_STRINGS)))],
      ['nul-in-string', () => text(setPath(obj, r.pick(STRING_FIELDS[channel].length ? STRING_FIELDS[channel] : ['note']), `v${'\u0000'.repeat(r.int(1, 3))}1`))],
      ['long-string', () => text(setPath(obj, r.pick(STRING_FIELDS[channel].length ? STRING_FIELDS[channel] : ['note']), 'x'.repeat(r.pick([65, 501, 1_001, 70_000]))))],
      ['deep-nesting', () => Buffer.from(replaceValue(JSON.stringify(obj), r.pick(fields), nested(r.pick([64, 5_000, 40_000]), r.chance(0.5))))],
      ['duplicate-keys', () => Buffer.from(`{${JSON.stringify(r.pick(fields))}:${r.int(0, 99)},${JSON.stringify(obj).slice(1)}`)],
      ['top-level', () => Buffer.from(r.pick(['[]', '"x"', 'null', '42', 'true', '[{}]', JSON.stringify([obj])]))],
      ['empty', () => Buffer.alloc(0)],
      ['bare-nul', () => Buffer.from([0])],
      ['nul-anywhere', () => insertBytes(text(obj), r.int(0, text(obj).length), [0])],
      ['invalid-utf8', () => insertBytes(text(obj), r.int(0, text(obj).length), r.pick(BAD_UTF8))],
      ['invalid-utf8-in-string', () => utf8InString(text(obj), r)],
      ['truncate', () => text(obj).subarray(0, r.int(0, text(obj).length - 1))],
      ['bit-flip', () => flipBits(text(obj), r, r.int(1, 3))],
      ['byte-delete', () => deleteByte(text(obj), r)],
      ['garbage', () => randomBytes(r, r.int(1, 2_000))],
      ['oversized-json', () => text(setPath(obj, 'pad', 'p'.repeat(r.int(66_000, 200_000))))],
      ['timestamp', () => text(setPath(obj, 'ts', r.pick<Json>([now + 600_000, now - 8 * 86_400_000, Math.floor(now / 1000), now + 0.5, 0, -now, 1e20])))],
      ['frame-on-json-topic', () => Buffer.from(frameBytes('thermal', now, seq, this.#thermal))],
      ...channelMutations(channel, obj, r, text),
    ];
    const [mutation, make] = r.pick(mutations);
    return { ref: this.ref, channel, topic, payload: make(), mutation };
  }

  #frame(kind: FrameKind, now: number): FuzzMessage {
    const r = this.random;
    const seq = ++this.#frameSeq;
    const valid = () => frameBytes(kind, now, seq, kind === 'acoustic' ? this.#acoustic : this.#thermal);
    const mutations: Array<[string, () => Buffer]> = [
      ['identity', valid],
      ['header-bit-flip', () => flipBitsIn(valid(), r, 0, FRAME_HEADER_BYTES, r.int(1, 2))],
      ['payload-bit-flip', () => flipBitsIn(valid(), r, FRAME_HEADER_BYTES, valid().length, r.int(1, 8))],
      ['truncate', () => valid().subarray(0, r.int(0, valid().length - 1))],
      ['extend', () => Buffer.concat([valid(), randomBytes(r, r.int(1, 300))])],
      ['lying-shape', () => setU32(valid(), r.pick([20, 24]), r.pick([0, 1, 23, 25, 31, 33, 4_000, 3_999, 4_001, 0xffff_ffff, 16_000]))],
      ['lying-length', () => setU32(valid(), 28, r.pick([0, 1, valid().length, 0xffff_ffff, valid().length - FRAME_HEADER_BYTES - 1]))],
      ['header-field', () => setU8(valid(), r.pick([4, 5, 6, 7]), r.int(0, 255))],
      ['timestamp', () => setF64(valid(), 8, r.pick([Number.NaN, Number.POSITIVE_INFINITY, -1, 0, 1e20, now + 600_000, now - 8 * 86_400_000, -0]))],
      ['seq-edge', () => setU32(valid(), 16, r.pick([0, 0xffff_ffff]) === 0 ? 0 : 0xffff_ffff - r.int(0, 1_000_000))],
      ['wrong-kind', () => frameBytes(kind === 'acoustic' ? 'thermal' : 'acoustic', now, seq, kind === 'acoustic' ? this.#thermal : this.#acoustic)],
      ['empty', () => Buffer.alloc(0)],
      ['bare-nul', () => Buffer.from([0])],
      ['zero-header', () => Buffer.alloc(FRAME_HEADER_BYTES)],
      ['garbage', () => randomBytes(r, r.int(1, 4_000))],
      ['json-on-frame-topic', () => Buffer.from(JSON.stringify(template('telemetry', now, seq)))],
      ...(kind === 'thermal'
        ? ([
            ['non-finite-values', () => thermalWith(valid(), r, [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])],
            ['implausible-values', () => thermalWith(valid(), r, [1e30, -300, 1_000.5, -60.5, 3.4e38])],
            ['edge-values', () => thermalWith(valid(), r, [1_000, -60, 0, -0])],
            ['shape-edge', () => frameBytes('thermal', now, seq, new Float32Array(r.pick([4 * 4, 160 * 160, 3 * 4, 161 * 4])).fill(20), undefined, r.pick([[4, 4], [160, 160], [3, 4], [161, 4]] as const))],
          ] as Array<[string, () => Buffer]>)
        : ([
            ['sample-rate-edge', () => frameBytes('acoustic', now, seq, new Int16Array(r.pick([800, 4_800, 8_000, 799, 200_000])), r.pick([8_000, 48_000, 7_999, 48_001]))],
            ['extreme-samples', () => frameBytes('acoustic', now, seq, new Int16Array(4_000).fill(r.pick([-32768, 32767, 0])))],
          ] as Array<[string, () => Buffer]>)),
    ];
    const [mutation, make] = r.pick(mutations);
    return { ref: this.ref, channel: kind, topic: mqttTopic.frame(this.ref, kind), payload: make(), mutation };
  }

  #wrongTopic(now: number): FuzzMessage {
    const r = this.random;
    const { site, device } = this.ref;
    // Marked so that anything of it stored anywhere can be found (`readings.key = 'spoofed'`).
    const payload = Buffer.from(JSON.stringify({ ts: now, seq: ++this.#seq, readings: { spoofed: 1 } }));
    const topic = r.pick([
      mqttTopic.telemetry(this.neighbour),
      mqttTopic.frame(this.neighbour, 'thermal'),
      mqttTopic.status(this.neighbour),
      `premonitor/v1/${site}/${device}/telemetry/extra`,
      `premonitor/v1/${site}/${device}/frame/visible`,
      `premonitor/v1/${site}/${device}/model/acoustic`,
      `premonitor/v1/${site}/${device}/command/heartbeat`,
      `premonitor/v1/${site}/${device}`,
      `premonitor/v2/${site}/${device}/telemetry`,
      `premonitor/v1/${site.toUpperCase()}/${device}/telemetry`,
      `premonitor/v1/${site}/${device}/Telemetry`,
      `premonitor/v1/${site}/${device}//telemetry`,
      `$SYS/broker/fuzz`,
      `premonitor/v1/${site}/${device}/${'x'.repeat(r.int(100, 30_000))}`,
      `/premonitor/v1/${site}/${device}/telemetry`,
      `premonitor/v1/${site}/${device}/telemetry `,
    ]);
    return { ref: this.ref, channel: 'wrong-topic', topic, payload, mutation: 'wrong-topic' };
  }
}

function channelMutations(channel: 'telemetry' | 'status' | 'edge-alert', obj: JsonObject, r: SeededRandom, text: (o: Json) => Buffer): Array<[string, () => Buffer]> {
  switch (channel) {
    case 'telemetry':
      return [
        ['readings-empty', () => text({ ...obj, readings: {} })],
        ['readings-too-many', () => text({ ...obj, readings: Object.fromEntries(Array.from({ length: r.pick([256, 257, 1_000]) }, (_, i) => [`k${i}`, i])) })],
        ['reading-key', () => text({ ...obj, readings: { [r.pick(['', 'a b', 'ä', 'x'.repeat(65), 'x'.repeat(64), 'a/b', 'a\u0000b', 'temp.°C', '__proto__', 'constructor'])]: 1 } })],
        ['reading-value', () => text({ ...obj, readings: { temperature: r.pick<Json>(['21', null, true, [], { v: 1 }, 1.7976931348623157e308, -1.7976931348623157e308, 5e-324]) } })],
      ];
    case 'status':
      return [
        ['status-state', () => text({ ...obj, state: r.pick<Json>(['ONLINE', 'maybe', '', null, 1]) })],
        ['status-records', () => text({ ...obj, [r.pick(['models', 'sources', 'modelErrors'])]: r.pick<Json>([{ '': '' }, { x: 'y'.repeat(70) }, { ['k'.repeat(70)]: 'v' }, { a: { state: 'ok', lastError: 'e\u0000' } }, { a: { state: 'broken' } }, { a: 'e\ud800' }]) })],
        ['status-counters', () => text({ ...obj, [r.pick(['queueDepth', 'dropped'])]: r.pick<Json>([-1, 0.5, 1e21, 2 ** 53, '1']) })],
      ];
    case 'edge-alert':
      return [
        ['alert-severity', () => text({ ...obj, severity: r.pick<Json>(['warning', 'FATAL', '', null]) })],
        ['alert-score', () => text({ ...obj, score: r.pick<Json>([-0.1, 1.1, 1, 0, 1e308, '0.5']) })],
        ['alert-kind', () => text({ ...obj, kind: r.pick<Json>(['visible', '', 'acoustic', 'thermal']) })],
        ['alert-rule', () => text({ ...obj, rule: r.pick<Json>(['', 'x'.repeat(64), 'x'.repeat(65), 'rule\u0000', '../../etc']) })],
      ];
  }
}

/** A frame's wire bytes, with an explicit sample rate or shape when the test needs an edge one. */
function frameBytes(kind: FrameKind, ts: number, seq: number, data: Int16Array | Float32Array, sampleRate = 16_000, shape: readonly [number, number] = [32, 24]): Buffer {
  try {
    if (kind === 'acoustic') return Buffer.from(encodeFrame({ kind, ts, seq, sampleRate, samples: data instanceof Int16Array ? data : new Int16Array(4_000) }));
    return Buffer.from(encodeFrame({ kind, ts, seq, width: shape[0], height: shape[1], celsius: data instanceof Float32Array ? data : new Float32Array(shape[0] * shape[1]).fill(20) }));
  } catch {
    // encodeFrame refuses what would not decode; write the header by hand, as a broken device would.
    const payload = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const out = Buffer.alloc(FRAME_HEADER_BYTES + payload.length);
    out.writeUInt32LE(0x52464d50, 0);
    out.writeUInt8(1, 4);
    out.writeUInt8(kind === 'acoustic' ? 1 : 2, 5);
    out.writeUInt8(kind === 'acoustic' ? 1 : 2, 6);
    out.writeDoubleLE(ts, 8);
    out.writeUInt32LE(seq, 16);
    out.writeUInt32LE(kind === 'acoustic' ? sampleRate : shape[0], 20);
    out.writeUInt32LE(kind === 'acoustic' ? data.length : shape[1], 24);
    out.writeUInt32LE(payload.length, 28);
    payload.copy(out, FRAME_HEADER_BYTES);
    return out;
  }
}

function numericPaths(obj: JsonObject): string[] {
  const paths = Object.keys(obj).filter((k) => typeof obj[k] === 'number');
  const readings = obj.readings;
  if (readings && typeof readings === 'object' && !Array.isArray(readings)) paths.push(...Object.keys(readings).map((k) => `readings.${k}`));
  return paths.length ? paths : ['ts'];
}

/** Replaces the JSON value of `path` (`a` or `a.b`) with raw text (which may not be valid JSON). */
function replaceValue(json: string, path: string, raw: string): string {
  const key = path.split('.').pop()!;
  const match = new RegExp(`"${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}":(-?[0-9.eE+-]+|"[^"]*"|true|false|null|\\{[^{}]*\\}|\\[[^\\[\\]]*\\])`).exec(json);
  if (!match) return json.replace(/}$/, `,"${key}":${raw}}`);
  return `${json.slice(0, match.index)}"${key}":${raw}${json.slice(match.index + match[0].length)}`;
}

function setPath(obj: JsonObject, key: string, value: Json): JsonObject {
  return { ...obj, [key]: value };
}

function omit(obj: JsonObject, key: string): JsonObject {
  const copy = { ...obj };
  delete copy[key];
  return copy;
}

function nested(depth: number, arrays: boolean): string {
  return arrays ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

function insertBytes(buf: Buffer, at: number, bytes: readonly number[]): Buffer {
  return Buffer.concat([buf.subarray(0, at), Buffer.from(bytes), buf.subarray(at)]);
}

/** Invalid UTF-8 inside a string value, where a lenient decoder turns it into U+FFFD and the JSON stays valid. */
function utf8InString(buf: Buffer, r: SeededRandom): Buffer {
  const quotes: number[] = [];
  for (let i = 0; i < buf.length; i++) if (buf[i] === 0x22) quotes.push(i);
  if (quotes.length < 2) return insertBytes(buf, 0, r.pick(BAD_UTF8));
  // Inside a key or a string value: right after an opening quote.
  const at = quotes[2 * r.int(0, Math.floor(quotes.length / 2) - 1)]! + 1;
  return insertBytes(buf, at, r.pick(BAD_UTF8));
}

function flipBits(buf: Buffer, r: SeededRandom, n: number): Buffer {
  return flipBitsIn(buf, r, 0, buf.length, n);
}

function flipBitsIn(buf: Buffer, r: SeededRandom, from: number, to: number, n: number): Buffer {
  const out = Buffer.from(buf);
  if (to <= from) return out;
  for (let i = 0; i < n; i++) {
    const at = r.int(from, to - 1);
    out[at] = out[at]! ^ (1 << r.int(0, 7));
  }
  return out;
}

function deleteByte(buf: Buffer, r: SeededRandom): Buffer {
  if (buf.length === 0) return buf;
  const at = r.int(0, buf.length - 1);
  return Buffer.concat([buf.subarray(0, at), buf.subarray(at + 1)]);
}

function randomBytes(r: SeededRandom, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = r.int(0, 255);
  return out;
}

function setU32(buf: Buffer, offset: number, value: number): Buffer {
  const out = Buffer.from(buf);
  out.writeUInt32LE(value >>> 0, offset);
  return out;
}

function setU8(buf: Buffer, offset: number, value: number): Buffer {
  const out = Buffer.from(buf);
  out.writeUInt8(value, offset);
  return out;
}

function setF64(buf: Buffer, offset: number, value: number): Buffer {
  const out = Buffer.from(buf);
  out.writeDoubleLE(value, offset);
  return out;
}

/** A thermal frame with a few of its values replaced by `values`. */
function thermalWith(buf: Buffer, r: SeededRandom, values: readonly number[]): Buffer {
  const out = Buffer.from(buf);
  const count = (out.length - FRAME_HEADER_BYTES) / 4;
  for (let i = 0; i < r.int(1, 5); i++) out.writeFloatLE(r.pick(values), FRAME_HEADER_BYTES + 4 * r.int(0, count - 1));
  return out;
}
