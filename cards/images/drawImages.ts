/**
 * Draws the card images (no external assets, no licence question): `npx tsx cards/images/drawImages.ts`.
 * A PNG is a zlib stream of filtered scanlines between a few CRC-checked chunks; drawing with
 * 4×4 supersampling gives smooth edges without any image library.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

type Rgba = readonly [number, number, number, number];
/** Coverage test at a point of the unit square (0..1, y down). */
type Shape = (x: number, y: number) => boolean;

const SIZE = 128;
const SAMPLES = 4;

function distanceToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const [dx, dy] = [bx - ax, by - ay];
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

const disc: Shape = (x, y) => Math.hypot(x - 0.5, y - 0.5) <= 0.47;
const ring: Shape = (x, y) => Math.abs(Math.hypot(x - 0.5, y - 0.5) - 0.47) <= 0.012;
const check: Shape = (x, y) => distanceToSegment(x, y, 0.28, 0.52, 0.44, 0.68) <= 0.055 || distanceToSegment(x, y, 0.44, 0.68, 0.74, 0.36) <= 0.055;

/** Layers painted bottom to top. */
const layers: Array<[Shape, Rgba]> = [
  [disc, [46, 160, 67, 255]],
  [ring, [30, 120, 50, 255]],
  [check, [255, 255, 255, 255]],
];

function pixel(px: number, py: number): Rgba {
  const sum: [number, number, number, number] = [0, 0, 0, 0];
  for (let sy = 0; sy < SAMPLES; sy++) {
    for (let sx = 0; sx < SAMPLES; sx++) {
      const [x, y] = [(px + (sx + 0.5) / SAMPLES) / SIZE, (py + (sy + 0.5) / SAMPLES) / SIZE];
      let colour: Rgba = [0, 0, 0, 0];
      for (const [shape, fill] of layers) if (shape(x, y)) colour = fill;
      // Premultiplied accumulation so transparent samples do not darken the edges.
      sum[0] += (colour[0] * colour[3]) / 255;
      sum[1] += (colour[1] * colour[3]) / 255;
      sum[2] += (colour[2] * colour[3]) / 255;
      sum[3] += colour[3];
    }
  }
  const n = SAMPLES * SAMPLES;
  const alpha = sum[3] / n;
  const un = (c: number): number => (alpha === 0 ? 0 : Math.round(((c / n) * 255) / alpha));
  return [un(sum[0]), un(sum[1]), un(sum[2]), Math.round(alpha)];
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function png(): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, deflate, no filter method variants, no interlace
  const raw = Buffer.alloc(SIZE * (1 + SIZE * 4));
  for (let y = 0; y < SIZE; y++) {
    const row = y * (1 + SIZE * 4); // filter byte 0 (None) then the pixels
    for (let x = 0; x < SIZE; x++) raw.set(pixel(x, y), row + 1 + x * 4);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

writeFileSync(join(__dirname, 'questionnaire-completed.png'), png());
