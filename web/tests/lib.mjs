// Shared by the browser tests: start `kyoso serve`, start chromium.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Spawns `KYOSO_BIN serve --no-open --port 0 ...extra` and resolves with
 * {url, proc, stop(), output()} once it prints its listening line.
 * KYOSO_BIN may be a .mjs/.js file (the mock), run with node.
 */
export function startServer(extra = [], timeoutMs = 60000) {
  const bin = path.resolve(webDir, process.env.KYOSO_BIN || '../target/debug/kyoso');
  if (!fs.existsSync(bin)) {
    throw new Error(`server binary not found: ${bin} (build it with \`cargo build -p kyoso-cli\`, or set KYOSO_BIN)`);
  }
  const args = ['serve', '--no-open', '--port', '0', ...extra];
  const [cmd, argv] = /\.(m?js)$/.test(bin) ? [process.execPath, [bin, ...args]] : [bin, args];
  const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    await new Promise((resolve) => {
      const t = setTimeout(() => {
        proc.kill('SIGKILL');
        resolve();
      }, 3000);
      proc.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`server did not print its listening line within ${timeoutMs / 1000} s\nstdout: ${out}\nstderr: ${err}`));
    }, timeoutMs);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/kyoso serve listening on (http:\/\/[^\s/]+\/?)/);
      if (m && timer) {
        clearTimeout(timer);
        const url = m[1].endsWith('/') ? m[1] : `${m[1]}/`;
        resolve({ url, proc, stop, output: () => ({ stdout: out, stderr: err }) });
      }
    });
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${bin}: ${e.message}`));
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (code ${code}, signal ${signal})\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

/** Launches headless chromium with a fresh profile; returns the persistent context. */
export async function startBrowser(viewport = { width: 1400, height: 1000 }) {
  const executablePath = process.env.KYOSO_BROWSER || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) throw new Error(`browser not found: ${executablePath} (set KYOSO_BROWSER)`);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyoso-e2e-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const close = async () => {
    await context.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, close };
}

/**
 * Records console errors and page errors of a page. `allow(msg)` may excuse
 * an expected one (e.g. the 400 of a deliberately bad parameter).
 */
export function watchErrors(page, label, sink) {
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    sink.push({ page: label, text: m.text(), url: (m.location() && m.location().url) || '' });
  });
  page.on('pageerror', (e) => sink.push({ page: label, text: `uncaught: ${e.message}`, url: '' }));
}

/**
 * With KYOSO_ASSETS=DIR, serves app.js and app.css from DIR instead of the
 * copies embedded in the server binary (to try a fresh `npm run build`
 * without rebuilding the server). index.html always comes from the server.
 */
export async function routeAssets(context) {
  const dir = process.env.KYOSO_ASSETS;
  if (!dir) return;
  const abs = path.resolve(webDir, dir);
  for (const f of ['app.js', 'app.css']) {
    await context.route(`**/assets/${f}`, (r) => r.fulfill({ path: path.join(abs, f), contentType: f.endsWith('.js') ? 'text/javascript' : 'text/css' }));
  }
}
