// Compresses the built app once, at build time: beside each text file it
// writes name.br (Brotli, best quality) and name.gz (gzip, best level),
// each only when smaller than the file itself. The server sends one of
// them to a browser that accepts it (server/static.go), so no request pays
// for compressing.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Files worth compressing: text. Images and fonts are compressed already. */
export const COMPRESSIBLE = /\.(html|m?js|css|svg|json|txt|xml|map)$/;

/** The Brotli and gzip forms of data, each null when it would not be smaller. */
export function compressedForms(data) {
  const br = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  const gz = gzipSync(data, { level: constants.Z_BEST_COMPRESSION });
  return { br: br.length < data.length ? br : null, gz: gz.length < data.length ? gz : null };
}

/** Writes the .br and .gz files for every compressible file under dir; returns what it did, file by file. */
export function precompress(dir) {
  const done = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) continue;
    const file = join(entry.parentPath, entry.name);
    const data = readFileSync(file);
    const forms = compressedForms(data);
    for (const [ext, body] of Object.entries(forms)) {
      // A stale form from an earlier build must not outlive its file.
      if (body) writeFileSync(`${file}.${ext}`, body);
      else rmSync(`${file}.${ext}`, { force: true });
    }
    done.push({ file, size: data.length, br: forms.br?.length ?? null, gz: forms.gz?.length ?? null });
  }
  return done;
}

/** A Vite plugin that runs precompress over the output once the build is written. */
export function precompressPlugin() {
  let outDir = 'dist';
  return {
    name: 'gridgis-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = join(config.root, config.build.outDir);
    },
    closeBundle() {
      const done = precompress(outDir);
      const sum = (key) => done.reduce((n, f) => n + (f[key] ?? f.size), 0);
      console.log(`precompressed ${done.length} files: ${sum('size')} bytes, ${sum('br')} as Brotli, ${sum('gz')} as gzip`);
    },
  };
}
