// The project list, shared by the projects page and the breadcrumbs, with live run counts: reloaded
// on `projects.changed`, and (coalesced) whenever runs appear, change status or go (`runs.changed`,
// `job.status`), also for jobs of another process, which the jobs tray sees by polling; and after a
// reconnect.
import type { Project } from '../../../src/shared/types.ts'
import { api } from './api.ts'
import { Resource } from './calls.svelte.ts'
import { jobs } from './jobs.svelte.ts'
import { live } from './live.svelte.ts'

class Projects extends Resource<Project[]> {
  constructor() {
    super(() => api.call('projects.list', {}), [])
  }

  get list(): Project[] {
    return this.value
  }

  byId(id: number): Project | undefined {
    return this.list.find((p) => p.id === id)
  }

  /** Subscribes for the lifetime of the app; returns the unsubscribe function. */
  start(): () => void {
    const off = api.onEvent((e) => {
      if (e.type === 'projects.changed') void this.load()
      else if (e.type === 'runs.changed' || e.type === 'job.status') this.schedule()
    })
    const stop = $effect.root(() => {
      $effect(() => {
        void live.epoch
        void this.load()
      })
      // jobs started by another process (the CLI) send no events: follow the tray's polled list
      let first = true
      $effect(() => {
        void jobs.jobs.map((j) => `${j.runId}:${j.status}`).join(',')
        if (first) first = false
        else this.schedule()
      })
    })
    return () => {
      off()
      stop()
      this.cancel()
    }
  }
}

export const projects = new Projects()
