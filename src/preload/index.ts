// Sandboxed preload: exposes window.mimic, one method per API operation.
import { contextBridge, ipcRenderer } from 'electron'
import { buildBridge } from './bridge.ts'

contextBridge.exposeInMainWorld('mimic', buildBridge(ipcRenderer))
