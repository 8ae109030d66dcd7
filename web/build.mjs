// Builds the page into crates/kyoso-serve/assets/ (index.html, app.js, app.css),
// deterministically: same sources and lockfile, same bytes (no timestamps, no
// source maps, no absolute paths).
//
//   node build.mjs            build into crates/kyoso-serve/assets/
//   node build.mjs --check    build into a temp dir and compare byte for byte
//   node build.mjs --out DIR  build into DIR
import { build } from 'esbuild';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const assets = path.resolve(here, '../crates/kyoso-serve/assets');
const FILES = ['index.html', 'app.js', 'app.css'];

async function buildInto(out) {
  fs.mkdirSync(out, { recursive: true });
  const common = {
    absWorkingDir: here,
    bundle: true,
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    charset: 'utf8',
    logLevel: 'warning',
    write: false,
  };
  const js = await build({
    ...common,
    entryPoints: ['src/main.js'],
    format: 'iife',
    target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
    outfile: path.join(out, 'app.js'),
  });
  const css = await build({
    ...common,
    entryPoints: ['src/app.css'],
    target: ['chrome90', 'firefox90', 'safari15'],
    outfile: path.join(out, 'app.css'),
  });
  for (const f of [...js.outputFiles, ...css.outputFiles]) fs.writeFileSync(f.path, f.contents);
  const html = fs.readFileSync(path.join(here, 'src/index.html'), 'utf8').replace(/\r\n/g, '\n');
  fs.writeFileSync(path.join(out, 'index.html'), html);
}

const args = process.argv.slice(2);
if (args[0] === '--check') {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-web-'));
  try {
    await buildInto(tmp);
    const stale = [];
    for (const f of FILES) {
      const want = fs.readFileSync(path.join(tmp, f));
      const have = fs.existsSync(path.join(assets, f)) ? fs.readFileSync(path.join(assets, f)) : null;
      if (!have || !want.equals(have)) stale.push(f);
    }
    const extra = fs.existsSync(assets) ? fs.readdirSync(assets).filter((f) => !FILES.includes(f)) : [];
    if (stale.length || extra.length) {
      if (stale.length) console.error(`differs from the sources: ${stale.map((f) => `crates/kyoso-serve/assets/${f}`).join(', ')}`);
      if (extra.length) console.error(`unexpected files in crates/kyoso-serve/assets: ${extra.join(', ')}`);
      console.error('stale bundle: run `cd web && npm ci && npm run build`');
      process.exit(1);
    }
    console.log(`bundle up to date: ${FILES.map((f) => `crates/kyoso-serve/assets/${f}`).join(', ')}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
} else {
  const out = args[0] === '--out' ? path.resolve(args[1]) : assets;
  await buildInto(out);
  for (const f of FILES) console.log(`${path.relative(process.cwd(), path.join(out, f))}  ${fs.statSync(path.join(out, f)).size} bytes`);
}
