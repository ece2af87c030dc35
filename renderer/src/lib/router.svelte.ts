// Hash routing: #/ (projects), #/projects/ID (?again=RUN opens the form to run RUN again;
// ?robustness=RUN,RUN the robustness form for those networks; ?simulate=RUN the simulation form for
// that network: its raster on chosen samples), #/runs/ID, #/hardware (boards and
// emulators), #/clusters (SLURM clusters). The hash survives reloads and makes links
// shareable within a session; the token stays in the query string / sessionStorage (see api.ts).

export type Route =
  | { name: 'projects' }
  | { name: 'project'; id: number; again?: number; robustness?: number[]; simulate?: number }
  | { name: 'run'; id: number }
  | { name: 'charts' }
  | { name: 'hardware' }
  | { name: 'clusters' }
  | { name: 'notfound'; path: string }

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '') || '/'
  if (path === '/' || path === '/projects') return { name: 'projects' }
  let m = /^\/projects\/(\d+)(?:\?again=(\d+))?$/.exec(path)
  if (m) return m[2] ? { name: 'project', id: Number(m[1]), again: Number(m[2]) } : { name: 'project', id: Number(m[1]) }
  m = /^\/projects\/(\d+)\?robustness=(\d+(?:,\d+)*)$/.exec(path)
  if (m) return { name: 'project', id: Number(m[1]), robustness: m[2].split(',').map(Number) }
  m = /^\/projects\/(\d+)\?simulate=(\d+)$/.exec(path)
  if (m) return { name: 'project', id: Number(m[1]), simulate: Number(m[2]) }
  m = /^\/runs\/(\d+)$/.exec(path)
  if (m) return { name: 'run', id: Number(m[1]) }
  if (path === '/dev/charts') return { name: 'charts' }
  if (path === '/hardware') return { name: 'hardware' }
  if (path === '/clusters') return { name: 'clusters' }
  return { name: 'notfound', path }
}

export const href = {
  projects: (): string => '#/',
  project: (id: number): string => `#/projects/${id}`,
  /** the project page with the form to run a run again, filled from its parameters */
  again: (projectId: number, runId: number): string => `#/projects/${projectId}?again=${runId}`,
  run: (id: number): string => `#/runs/${id}`,
  /** the project page with the robustness form for these networks */
  robustness: (projectId: number, networks: readonly number[]): string => `#/projects/${projectId}?robustness=${networks.join(',')}`,
  /** the project page with the simulation form for this network (its spikes on chosen samples) */
  simulate: (projectId: number, network: number): string => `#/projects/${projectId}?simulate=${network}`,
  hardware: (): string => '#/hardware',
  clusters: (): string => '#/clusters',
}

class Router {
  route = $state<Route>(parseHash(location.hash))

  constructor() {
    window.addEventListener('hashchange', () => {
      this.route = parseHash(location.hash)
    })
  }

  go(to: string): void {
    if (location.hash === to) this.route = parseHash(to)
    else location.hash = to
  }
}

export const router = new Router()
