// The project list, shared by the projects page and the breadcrumbs; reloaded on
// `projects.changed` events and after a reconnect.
import type { Project } from '../../../src/shared/types.ts'
import { api } from './api.ts'
import { messageOf } from './errors.ts'
import { live } from './live.svelte.ts'

class Projects {
  list = $state<Project[]>([])
  loaded = $state(false)
  error = $state<string | null>(null)
  private seq = 0

  async load(): Promise<void> {
    const mine = ++this.seq
    try {
      const list = await api.call('projects.list', {})
      if (mine !== this.seq) return
      this.list = list
      this.error = null
    } catch (err) {
      if (mine === this.seq) this.error = messageOf(err)
    } finally {
      if (mine === this.seq) this.loaded = true
    }
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
