// The Electron main process: a thin shell over the services that also run in plain Node.
// It creates the window (contextIsolation, sandbox, CSP), wires one IPC channel per operation,
// forwards events, and runs jobs in utilityProcess workers.
import { app, BrowserWindow, dialog, ipcMain, session, shell, utilityProcess } from 'electron'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { appCsp, forwardEvents, makeAppPageCheck, makeNavigationGuard, makeSenderCheck, makeWindowOpenHandler, windowOptions, wireIpc } from './ipc.ts'
import { utilitySpawner, type UtilityProcessModule } from './utility-spawner.ts'

// Before anything else: sandboxing must be switched on before the app is ready, and the ready event
// may fire while the dynamic import below is pending.
app.enableSandbox()

const appRoot = app.getAppPath()
// The bundled code lives in out/main, so tell the loader where the addon is before it loads.
const nativePath = app.isPackaged
  ? join(process.resourcesPath, 'mimic_native.node')
  : join(appRoot, 'native', 'build', 'Release', 'mimic_native.node')
process.env.MIMIC_NATIVE_PATH ??= nativePath

const { Services } = await import('../services/index.ts')

async function start(): Promise<void> {
  await app.whenReady()
  const dbPath = app.isPackaged ? join(app.getPath('userData'), 'experiments.db') : join(appRoot, 'experiments.db')
  const services = new Services({
    dbPath,
    frontDoor: 'electron',
    workerEntry: join(import.meta.dirname, 'worker.js'),
    spawn: utilitySpawner(utilityProcess as unknown as UtilityProcessModule, { MIMIC_NATIVE_PATH: process.env.MIMIC_NATIVE_PATH ?? nativePath }),
  })

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [appCsp] } })
  })
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))

  const rendererIndex = join(import.meta.dirname, '..', 'renderer', 'index.html')
  const devUrl = process.env.ELECTRON_RENDERER_URL
  const appUrl = devUrl ?? pathToFileURL(rendererIndex).href
  const trusted = makeSenderCheck([appUrl])
  wireIpc(ipcMain, services, trusted)

  const win = new BrowserWindow(windowOptions(join(import.meta.dirname, '..', 'preload', 'index.cjs')))
  win.webContents.setWindowOpenHandler(
    makeWindowOpenHandler({
      confirm: async (url) => {
        const r = await dialog.showMessageBox(win, {
          type: 'question',
          buttons: ['Open in browser', 'Cancel'],
          defaultId: 1,
          cancelId: 1,
          message: 'Open this link in your web browser?',
          detail: url,
        })
        return r.response === 0
      },
      openExternal: (url) => shell.openExternal(url),
    }),
  )
  win.webContents.on('will-navigate', makeNavigationGuard(makeAppPageCheck(appUrl)))
  const stopForwarding = forwardEvents((fn) => services.subscribe(fn), win.webContents)
  win.once('ready-to-show', () => win.show())
  if (devUrl) await win.loadURL(devUrl)
  else await win.loadFile(rendererIndex)

  let quitting = false
  app.on('before-quit', (e) => {
    if (quitting) return
    e.preventDefault()
    quitting = true
    stopForwarding()
    void services.close().finally(() => app.exit(0))
  })
  app.on('window-all-closed', () => app.quit())
}

start().catch((err: unknown) => {
  console.error(`mimic: the app failed to start: ${(err as Error).stack ?? String(err)}`)
  app.exit(1)
})
