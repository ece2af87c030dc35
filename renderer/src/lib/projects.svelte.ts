// The project list, shared by the projects page and the breadcrumbs; reloaded on
// `projects.changed` events and after a reconnect.
import type { Project } from '../../../src/shared/types.ts'
import { api } from './api.ts'
import { Resource } from './calls.svelte.ts'
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
    })
    const stop = $effect.root(() => {
      $effect(() => {
        void live.epoch
        void this.load()
      })
    })
    return () => {
      off()
      stop()
    }
  }
}

export const projects = new Projects()
