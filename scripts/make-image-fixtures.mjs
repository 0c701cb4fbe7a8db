// Generates the image decoder fixtures in test/fixtures/images with real encoders (ImageMagick and
// libjpeg-turbo's cjpeg: `apt-get install imagemagick libjpeg-turbo-progs`). Run once; the small
// outputs are committed, so tests never need these tools.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = 'test/fixtures/images';
mkdirSync(out, { recursive: true });
const W = 16;
const H = 8;
// Quadrants: red top-left, green top-right, blue bottom-left, white bottom-right.
const QUADS = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [255, 255, 255],
];
// Gray quadrants: 0, 85, 170, 255.
const GRAYS = [0, 85, 170, 255];
const quad = (x, y) => (y < H / 2 ? 0 : 2) + (x < W / 2 ? 0 : 1);

const rgb = Buffer.alloc(W * H * 3);
const gray = Buffer.alloc(W * H);
for (let y = 0; y < H; y++)
  for (let x = 0; x < W; x++) {
    rgb.set(QUADS[quad(x, y)], (y * W + x) * 3);
    gray[y * W + x] = GRAYS[quad(x, y)];
  }
writeFileSync(join(out, 'pattern.ppm'), Buffer.concat([Buffer.from(`P6\n${W} ${H}\n255\n`), rgb]));
writeFileSync(join(out, 'pattern.pgm'), Buffer.concat([Buffer.from(`P5\n${W} ${H}\n255\n`), gray]));

const magick = (...args) => execFileSync('/usr/bin/convert', args);
const ppm = join(out, 'pattern.ppm');
const pgm = join(out, 'pattern.pgm');
magick(ppm, '-depth', '8', `PNG24:${join(out, 'rgb8.png')}`);
magick(ppm, '-depth', '16', `PNG48:${join(out, 'rgb16.png')}`);
magick(ppm, '-alpha', 'set', '-channel', 'A', '-evaluate', 'set', '50%', '+channel', `PNG32:${join(out, 'rgba8.png')}`);
magick(ppm, '-alpha', 'set', '-depth', '16', `PNG64:${join(out, 'rgba16.png')}`);
magick(ppm, `PNG8:${join(out, 'palette.png')}`);
magick(ppm, '-interlace', 'PNG', `PNG24:${join(out, 'interlaced.png')}`);
magick(pgm, '-depth', '8', '-define', 'png:color-type=0', join(out, 'gray8.png'));
magick(pgm, '-depth', '16', '-define', 'png:color-type=0', '-define', 'png:bit-depth=16', join(out, 'gray16.png'));
magick(pgm, '-alpha', 'set', '-depth', '8', '-define', 'png:color-type=4', join(out, 'graya8.png'));

const cjpeg = (args, input, file) => writeFileSync(join(out, file), execFileSync('cjpeg', [...args, input]));
cjpeg(['-quality', '100', '-sample', '1x1'], ppm, 'baseline.jpg');
cjpeg(['-quality', '100', '-sample', '1x1', '-progressive'], ppm, 'progressive.jpg');
cjpeg(['-quality', '100', '-grayscale'], pgm, 'gray.jpg');

/** A minimal EXIF APP1 segment (big-endian TIFF) holding only the Orientation tag. */
function exifOrientation(o) {
  const tiff = Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, o, 0, 0, 0, 0, 0, 0, 0, 0]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'binary'), tiff]);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length + 2);
  return Buffer.concat([Buffer.from([0xff, 0xe1]), len, body]);
}
const base = readFileSync(join(out, 'baseline.jpg'));
for (const o of [3, 6, 8]) writeFileSync(join(out, `orientation${o}.jpg`), Buffer.concat([base.subarray(0, 2), exifOrientation(o), base.subarray(2)]));

// Broken files.
const png = readFileSync(join(out, 'rgb8.png'));
writeFileSync(join(out, 'truncated.png'), png.subarray(0, Math.floor(png.length * 0.6)));
writeFileSync(join(out, 'truncated.jpg'), base.subarray(0, Math.floor(base.length * 0.6)));
const zero = Buffer.from(png);
zero.writeUInt32BE(0, 16); // IHDR width = 0
writeFileSync(join(out, 'zero-width.png'), zero);
writeFileSync(join(out, 'empty.png'), Buffer.alloc(0));
writeFileSync(join(out, 'not-an-image.png'), 'this is a text file, not a PNG\n');
console.log('fixtures written to', out);
