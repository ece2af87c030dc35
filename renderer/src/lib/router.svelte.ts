// Hash routing: #/ (projects), #/projects/ID, #/runs/ID. The hash survives reloads and makes links
// shareable within a session; the token stays in the query string / sessionStorage (see api.ts).

export type Route =
  | { name: 'projects' }
  | { name: 'project'; id: number }
  | { name: 'run'; id: number }
  | { name: 'charts' }
  | { name: 'notfound'; path: string }

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/\/+$/, '') || '/'
  if (path === '/' || path === '/projects') return { name: 'projects' }
  let m = /^\/projects\/(\d+)$/.exec(path)
  if (m) return { name: 'project', id: Number(m[1]) }
  m = /^\/runs\/(\d+)$/.exec(path)
  if (m) return { name: 'run', id: Number(m[1]) }
  if (path === '/dev/charts') return { name: 'charts' }
  return { name: 'notfound', path }
}

export const href = {
  projects: (): string => '#/',
  project: (id: number): string => `#/projects/${id}`,
  run: (id: number): string => `#/runs/${id}`,
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
