// The Electron shell: thin wiring around the plain-Node back end (see main/backend.ts).
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell, type WebContents, nativeTheme } from 'electron';
import { createBackend, type Backend } from '../backend';
import { callNames, eventNames } from '../../contract';
import { CONTRACT_NAMES_CHANNEL } from '../../preload/channels';
import { resolveDataDir } from '../core/data-dir';
import { projectRoot } from '../core/project-root';
import { APP_ORIGIN, registerAppProtocols, registerSchemesAsPrivileged } from './protocols';
import { secureWebPreferences } from './window-options';
import { isOwnFrame } from './frame-origin';

registerSchemesAsPrivileged(protocol);

let backend: Backend | undefined;
let window: BrowserWindow | undefined;

function setupDataDir() {
  // POSTER_TAGGER_DATA_DIR wins; otherwise Electron's userData (the same folder data-dir.ts computes).
  app.setPath('userData', resolveDataDir({ fallback: app.getPath('userData') }));
}

function setupBackend(): Backend {
  return createBackend({
    dataDir: app.getPath('userData'),
    shell: {
      kind: 'electron',
      electronVersion: process.versions.electron,
      async pickFolder(title) {
        const r = await dialog.showOpenDialog(window!, { title: title ?? 'Choose a folder of posters', properties: ['openDirectory'] });
        return r.canceled ? null : (r.filePaths[0] ?? null);
      },
    },
  });
}

/** IPC: one channel per contract call, all through the back end's gate, only from our own page. */
function setupIpc(b: Backend) {
  for (const name of callNames) {
    ipcMain.handle(name, (event, input: unknown) => {
      if (!isOwnFrame(event.senderFrame?.url))
        return { ok: false, error: { code: 'invalid_input', message: 'Refused: the request did not come from the app.' } };
      return b.gate.invokeEnvelope(name, input);
    });
  }
  // The preload asks once, synchronously, which calls and events exist: it carries no schemas itself
  // (a sandboxed preload can require only 'electron').
  ipcMain.on(CONTRACT_NAMES_CHANNEL, (event) => {
    event.returnValue = isOwnFrame(event.senderFrame?.url) ? { calls: callNames, events: eventNames } : { calls: [], events: [] };
  });
  b.bus.subscribe((event, payload) => {
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send('event', event, payload);
  });
}

/** No new windows, no navigation away from the app, no permissions; external links open in the browser. */
function setupNavigationGuards() {
  app.on('web-contents-created', (_e, contents: WebContents) => {
    contents.setWindowOpenHandler(({ url }) => {
      if (url.startsWith('https://')) void shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event, url) => {
      if (!isOwnFrame(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
}

function createWindow() {
  window = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Poster Tagger',
    // The renderer's own background (app.css), so a dark system never flashes white at start.
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#14171d' : '#f6f7f9',
    show: false,
    webPreferences: secureWebPreferences(path.join(__dirname, 'preload.js')),
  });
  window.once('ready-to-show', () => window?.show());
  void window.loadURL(`${APP_ORIGIN}/index.html`);
}

async function onReady() {
  backend = setupBackend();
  registerAppProtocols(protocol, path.join(projectRoot(), 'dist', 'renderer'), backend);
  setupIpc(backend);
  setupNavigationGuards();
  createWindow();
}

setupDataDir();
if (!app.requestSingleInstanceLock()) app.quit();
app.on('second-instance', () => window?.focus());
app.whenReady().then(onReady);
app.on('window-all-closed', () => app.quit());
app.on('before-quit', (event) => {
  if (!backend) return;
  event.preventDefault();
  const b = backend;
  backend = undefined;
  void b.close().finally(() => app.quit());
});
