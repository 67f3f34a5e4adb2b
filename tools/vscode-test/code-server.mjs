// Shared pieces of the real-VS-Code harness: find/install code-server, start it on a free
// port with throwaway state, launch Debian Chromium through playwright-core, and clean up.
// Used by run-tests.mjs (mocha suite in the extension host) and ui-test.mjs (screenshots).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');
/** `--name VALUE` from the command line as an absolute path, or `def`. */
export function pathArg(name, def) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]) : def;
}

export const CODE_SERVER_VERSION = process.env.CSV || '4.100.3';

const cacheDir = () => process.env.CONTEXTZIP_CACHE || path.join(os.homedir(), '.cache', 'contextzip');

/** The code-server binary: $CODE_SERVER, else the cache install (installed on first use). */
export function findCodeServer() {
  if (process.env.CODE_SERVER) return process.env.CODE_SERVER;
  const bin = path.join(cacheDir(), `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
  if (fs.existsSync(bin)) return bin;
  console.log(
    `code-server not found in ${path.dirname(bin)}; installing it (tools/vscode-test/install-code-server.sh)`,
  );
  const r = spawnSync('bash', [path.join(here, 'install-code-server.sh')], { stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0 || !fs.existsSync(bin)) throw new Error('code-server install failed');
  return bin;
}

export function findChromium() {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error('Chromium not found: apt-get install chromium, or set CHROMIUM=/path/to/chrome');
  return found;
}

/**
 * Throwaway state for one run: user data, extensions, config, and a HOME/XDG tree so nothing
 * the run does touches the real home folder.
 */
export function makeState(prefix) {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), prefix));
  for (const d of ['ud/User', 'ext', 'home', 'xdg/config', 'xdg/data', 'xdg/cache', 'xdg/state']) {
    fs.mkdirSync(path.join(dir, d), { recursive: true });
  }
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'workbench.enableExperiments': false,
    'update.mode': 'none',
    'security.workspace.trust.enabled': false,
    'git.enabled': false,
    'window.commandCenter': false,
    'chat.commandCenter.enabled': false,
    'workbench.colorTheme': process.env.VSCODE_THEME || 'Default Dark Modern',
  };
  fs.writeFileSync(path.join(dir, 'ud/User/settings.json'), JSON.stringify(settings, null, 2));
  return dir;
}

export function stateEnv(state) {
  return {
    ...process.env,
    HOME: path.join(state, 'home'),
    XDG_CONFIG_HOME: path.join(state, 'xdg/config'),
    XDG_DATA_HOME: path.join(state, 'xdg/data'),
    XDG_CACHE_HOME: path.join(state, 'xdg/cache'),
    XDG_STATE_HOME: path.join(state, 'xdg/state'),
    EXTENSIONS_GALLERY: '{}', // no marketplace calls
    // keep the real npm cache: the user's HOME is redirected above
    npm_config_cache: process.env.npm_config_cache || path.join(os.homedir(), '.npm'),
  };
}

export function commonArgs(state) {
  return ['--user-data-dir', `${state}/ud`, '--extensions-dir', `${state}/ext`, '--config', `${state}/config.yaml`];
}

/** Runs the code-server CLI (e.g. --install-extension) synchronously with the run's state. */
export function codeServerCli(bin, state, args) {
  const r = spawnSync(bin, [...commonArgs(state), ...args], { env: stateEnv(state), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`code-server ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Starts code-server on a free port in its own process group; resolves { proc, port, log() }. */
export function startCodeServer(bin, state, { verbose = !!process.env.CS_VERBOSE } = {}) {
  const args = [
    ...commonArgs(state),
    '--auth',
    'none',
    '--bind-addr',
    '127.0.0.1:0',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...(process.env.CS_EXTRA_ARGS ? process.env.CS_EXTRA_ARGS.split(' ') : []),
  ];
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: stateEnv(state) });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start in 90 s\n${log}`)), 90_000);
    const onData = (d) => {
      log += d;
      if (verbose) process.stdout.write(`[code-server] ${d}`);
      const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        proc.stdout.off('data', onData);
        proc.stderr.off('data', onData);
        // keep draining so the pipe never fills
        proc.stdout.on('data', (x) => (verbose ? process.stdout.write(`[code-server] ${x}`) : undefined));
        proc.stderr.on('data', (x) => (verbose ? process.stdout.write(`[code-server] ${x}`) : undefined));
        resolve({ proc, port: Number(m[1]), log: () => log });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (c) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited with ${c}\n${log}`));
    });
  });
}

/** Kills code-server's whole process group (server + extension host + watchers). */
export async function stopCodeServer(server) {
  if (!server) return;
  const { proc } = server;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  try {
    process.kill(-proc.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  const t = setTimeout(() => {
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, 5000);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 8000).unref())]);
  clearTimeout(t);
}

export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  const userDataDir = fs.mkdtempSync(path.join(process.env.TMPDIR || os.tmpdir(), 'cz-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: findChromium(),
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Copies a fixture folder to a temp dir so a test run can never modify the repository. */
export function copyWorkspace(src, state) {
  const dest = path.join(state, 'workspace', path.basename(src));
  fs.cpSync(src, dest, { recursive: true });
  return dest;
}
